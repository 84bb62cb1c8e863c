/** @odoo-module **/

import { registry } from "@web/core/registry";

// A portal customer files a ticket from My Account, with a file, and lands on its page.
registry.category("web_tour.tours").add("helpdesk_ce_portal_new_ticket_tour", {
    test: true,
    url: "/my",
    steps: () => [
        {
            content: "My Account offers New Ticket",
            trigger: 'a[href="/my/tickets/new"]:contains("New Ticket")',
        },
        {
            content: "Choose the team",
            trigger: '.o_helpdesk_team_choice label:contains("Billing Desk")',
            extra_trigger: '.o_helpdesk_team_description:contains("Invoices and refunds.")',
        },
        {
            content: "Subject",
            trigger: 'input[name="name"]',
            run: "text Invoice INV-042 is charged twice",
        },
        {
            content: "Description",
            trigger: 'textarea[name="description"]',
            run: "text My card was debited two times on May 3.",
        },
        {
            content: "Attach the bank statement",
            trigger: 'input[name="attachments"]',
            run() {
                const input = document.querySelector('input[name="attachments"]');
                const transfer = new DataTransfer();
                transfer.items.add(new File(["two debits of 42.00"], "statement.txt", { type: "text/plain" }));
                input.files = transfer.files;
            },
        },
        {
            content: "Submit",
            trigger: ".o_helpdesk_ticket_submit",
        },
        {
            content: "The ticket's page opens, in the chosen team, with the file",
            trigger: '.o_helpdesk_portal_ticket_page h3:contains("Invoice INV-042 is charged twice")',
            extra_trigger: '.o_helpdesk_ticket_team:contains("Billing Desk")',
            run() {},
        },
        {
            content: "The attachment is in the conversation",
            trigger: '.o_portal_chatter_attachment:contains("statement.txt")',
            run() {},
        },
    ],
});
