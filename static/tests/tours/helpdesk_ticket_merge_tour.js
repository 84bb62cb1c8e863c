/** @odoo-module **/

import { registry } from "@web/core/registry";

// An agent selects two duplicate tickets in the list and merges them with Action > Merge.
registry.category("web_tour.tours").add("helpdesk_ce_ticket_merge_tour", {
    test: true,
    url: "/web#action=helpdesk_ce.helpdesk_ticket_action_all&view_type=list",
    steps: () => [
        {
            content: "Select the first ticket",
            trigger: '.o_list_view .o_data_row:contains("Mouse is dead") .o_list_record_selector input',
        },
        {
            content: "Select its duplicate",
            trigger: '.o_list_view .o_data_row:contains("Mouse does not work") .o_list_record_selector input',
        },
        {
            content: "Open the Action menu",
            trigger: ".o_cp_action_menus .dropdown-toggle",
        },
        {
            content: "Merge",
            trigger: '.o-dropdown--menu .dropdown-item:contains("Merge")',
        },
        {
            content: "The oldest ticket is kept",
            trigger: '.o_field_widget[name="target_ticket_id"] input:propValueContains("Mouse is dead")',
            run() {},
        },
        {
            content: "Both tickets are listed with their similarity",
            trigger: '.o_field_widget[name="line_ids"] .o_data_row:contains("Mouse does not work") .o_progressbar',
            extra_trigger: '.o_field_widget[name="line_ids"] .o_data_row:contains("Mouse is dead")',
            run() {},
        },
        {
            content: "Merge them",
            trigger: '.modal-footer button[name="action_merge"]',
        },
        {
            content: "The kept ticket opens and counts the merged one",
            trigger: '.o_form_view button[name="action_open_merged_tickets"]:contains("1")',
            extra_trigger: '.o_form_view .o_field_widget[name="name"] input:propValue("Mouse is dead")',
            in_modal: false,
            run() {},
        },
    ],
});
