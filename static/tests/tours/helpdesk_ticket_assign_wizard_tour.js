/** @odoo-module **/

import { registry } from "@web/core/registry";

// An agent gives two tickets to a colleague with Action > Assign: the team's agents are offered first.
registry.category("web_tour.tours").add("helpdesk_ce_ticket_assign_wizard_tour", {
    test: true,
    url: "/web#action=helpdesk_ce.helpdesk_ticket_action_all&view_type=list",
    steps: () => [
        {
            content: "Select the first ticket",
            trigger: '.o_data_row:contains("Keyboard missing keys") .o_list_record_selector input',
        },
        {
            content: "Select the second one",
            trigger: '.o_data_row:contains("Monitor flickers") .o_list_record_selector input',
        },
        {
            content: "Open the Actions menu",
            trigger: ".o_cp_action_menus .dropdown-toggle:contains(Actions)",
        },
        {
            content: "Assign",
            trigger: '.o-dropdown--menu .dropdown-item:contains("Assign"):not(:contains("to me"))',
        },
        {
            content: "Open the agents list",
            trigger: '.o_field_widget[name="user_id"] input',
            run: "click",
        },
        {
            content: "The team's agent comes first, before agents sorted earlier by name",
            trigger: '.o-autocomplete--dropdown-menu li:first-child:contains("Tour Teammate")',
            extra_trigger: '.o-autocomplete--dropdown-menu li:contains("Aaron Outsider")',
            run: "click",
        },
        {
            content: "Assign them",
            trigger: '.modal-footer button[name="action_assign"]',
        },
        {
            content: "Both rows show the agent",
            trigger: '.o_data_row:contains("Monitor flickers") [name="user_id"]:contains("Tour Teammate")',
            extra_trigger: '.o_data_row:contains("Keyboard missing keys") [name="user_id"]:contains("Tour Teammate")',
            run() {},
        },
    ],
});
