/** @odoo-module **/

import { registry } from "@web/core/registry";

// An agent takes two tickets at once from the list, then flags one as blocked on the kanban card.
registry.category("web_tour.tours").add("helpdesk_ce_ticket_assign_tour", {
    test: true,
    url: "/web#action=helpdesk_ce.helpdesk_ticket_action_all&view_type=list",
    steps: () => [
        {
            content: "Select the first unassigned ticket",
            trigger: '.o_data_row:contains("Paper jam") .o_list_record_selector input',
        },
        {
            content: "Select the second one",
            trigger: '.o_data_row:contains("Toner empty") .o_list_record_selector input',
        },
        {
            content: "Open the Actions menu",
            trigger: ".o_cp_action_menus .dropdown-toggle:contains(Actions)",
        },
        {
            content: "Assign them to me",
            trigger: '.o-dropdown--menu .dropdown-item:contains("Assign to me")',
        },
        {
            content: "Both rows now show the agent",
            trigger: '.o_data_row:contains("Toner empty") [name="user_id"]:contains("Tour Agent")',
            run() {},
        },
        {
            content: "Open the Tickets menu",
            trigger: '.o_menu_sections .dropdown-toggle:contains("Tickets")',
        },
        {
            content: "My Tickets: the kanban of what is mine",
            trigger: '.o-dropdown--menu [data-menu-xmlid="helpdesk_ce.menu_helpdesk_ticket_my"]',
        },
        {
            content: "Open the state menu of a card",
            trigger: '.o_kanban_record:contains("Paper jam") .o_field_state_selection .dropdown-toggle',
        },
        {
            content: "Flag it with the stage's red legend",
            trigger: '.o-dropdown--menu .dropdown-item:contains("Waiting for parts")',
        },
        {
            content: "The card shows it",
            trigger: '.o_kanban_record:contains("Paper jam") .o_status.o_status_red',
            run() {},
        },
    ],
});
