/** @odoo-module **/

import { registry } from "@web/core/registry";

// A portal customer opens their ticket from My Account and answers with a file attached.
registry.category("web_tour.tours").add("helpdesk_ce_portal_reply_tour", {
    test: true,
    url: "/my/tickets",
    steps: () => [
        {
            content: "Open the ticket from the list",
            trigger: '.o_helpdesk_portal_ticket a:contains("Tour printer jam")',
        },
        {
            content: "The page shows who handles it",
            trigger: '.o_helpdesk_ticket_team:contains("Public Team")',
            isCheck: true,
        },
        {
            content: "Write the answer",
            trigger: '.o_portal_chatter_composer textarea[name="message"]',
            run: "text Here is the error log you asked for.",
        },
        {
            // the file input is hidden behind the paperclip button: feed it as the file picker would
            content: "Attach a file",
            trigger: ".o_portal_chatter_attachment_btn",
            run() {
                const input = document.querySelector(".o_portal_chatter_file_input");
                const transfer = new DataTransfer();
                transfer.items.add(new File(["paper jam at tray 2"], "error_log.txt", { type: "text/plain" }));
                input.files = transfer.files;
                input.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        {
            content: "The file is uploaded",
            trigger: '.o_portal_chatter_composer .o_portal_chatter_attachment:contains("error_log.txt")',
            isCheck: true,
        },
        {
            content: "Send",
            trigger: ".o_portal_chatter_composer_btn:not([disabled])",
        },
        {
            content: "The answer shows in the conversation with its file",
            trigger: '.o_portal_chatter_message:contains("Here is the error log you asked for.") .o_portal_chatter_attachment:contains("error_log.txt")',
            isCheck: true,
        },
    ],
});
