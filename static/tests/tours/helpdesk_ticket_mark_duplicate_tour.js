/** @odoo-module **/

import { registry } from "@web/core/registry";

// An agent opens a ticket, marks it as a duplicate of an older one and lands on the original.
registry.category("web_tour.tours").add("helpdesk_ce_ticket_mark_duplicate_tour", {
    test: true,
    url: "/web#action=helpdesk_ce.helpdesk_ticket_action_all&view_type=list",
    steps: () => [
        {
            content: "Open the duplicate",
            trigger: '.o_data_row:contains("Cannot stay connected to the VPN") td[name="name"]',
        },
        {
            content: "Mark as Duplicate",
            trigger: '.o_form_view button[name="action_open_mark_duplicate"]',
        },
        {
            content: "Search the original",
            trigger: '.o_field_widget[name="target_ticket_id"] input',
            run: "text VPN drops",
        },
        {
            content: "Pick it",
            trigger: '.o-autocomplete--dropdown-menu li a:contains("VPN drops every hour")',
        },
        {
            content: "How alike both tickets are",
            trigger: '.o_field_widget[name="line_ids"] .o_data_row:contains("Cannot stay connected") .o_progressbar',
            run() {},
        },
        {
            content: "Confirm",
            trigger: '.modal-footer button[name="action_merge"]',
        },
        {
            content: "The original opens and counts the merged ticket",
            trigger: '.o_form_view button[name="action_open_merged_tickets"]:contains("1")',
            extra_trigger: '.o_form_view .o_field_widget[name="name"] input:propValue("VPN drops every hour")',
            in_modal: false,
            run() {},
        },
    ],
});
