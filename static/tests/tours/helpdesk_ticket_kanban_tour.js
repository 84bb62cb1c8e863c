/** @odoo-module **/

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// An agent creates a ticket from the kanban, opens it, and drags it to another stage.
registry.category("web_tour.tours").add("helpdesk_ce_ticket_kanban_tour", {
    test: true,
    url: "/web",
    steps: () => [
        ...stepUtils.goToAppSteps("helpdesk_ce.menu_helpdesk_root", "Open the Helpdesk app"),
        {
            content: "Open the team's tickets from its dashboard card",
            trigger: '.o_kanban_record:contains("Tour Team") button[name="action_view_tickets"]',
        },
        {
            content: "Quick create a ticket in the first column",
            trigger: ".o_kanban_group:first-child .o_kanban_quick_add",
        },
        {
            content: "Type the subject",
            trigger: '.o_kanban_quick_create div[name="name"] input',
            run: "text Screen stays black",
        },
        {
            content: "Add it",
            trigger: ".o_kanban_quick_create .o_kanban_add",
        },
        {
            content: "Open the new ticket",
            trigger: '.o_kanban_group:first-child .o_kanban_record:contains("Screen stays black")',
        },
        {
            content: "The form shows its reference",
            trigger: '.o_form_view div[name="ticket_ref"]:contains("HD")',
            run() {},
        },
        {
            content: "Back to the kanban",
            trigger: ".breadcrumb-item:not(.active):last a",
        },
        {
            content: "Drag the ticket to the second stage",
            trigger: '.o_kanban_group:first-child .o_kanban_record:contains("Screen stays black")',
            run: "drag_and_drop_native .o_kanban_group:eq(1) ",
        },
        {
            content: "It now sits in the second column",
            trigger: '.o_kanban_group:eq(1) .o_kanban_record:contains("Screen stays black")',
            run() {},
        },
    ],
});
