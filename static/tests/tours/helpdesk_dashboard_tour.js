/** @odoo-module **/

import { registry } from "@web/core/registry";

// A manager reads a team's card on the dashboard and opens the tickets whose SLA failed.
registry.category("web_tour.tours").add("helpdesk_ce_dashboard_tour", {
    test: true,
    url: "/web#action=helpdesk_ce.helpdesk_team_action_dashboard",
    steps: () => [
        {
            content: "The card graphs the two tickets opened today",
            trigger: '.o_kanban_record:contains("Dashboard Tour Team") .o_helpdesk_flow_day[data-opened="2"]',
            run() {},
        },
        {
            content: "The card counts one ticket whose SLA failed",
            trigger: '.o_kanban_record:contains("Dashboard Tour Team") span.text-danger:contains("1")',
            run() {},
        },
        {
            content: "Open the tickets whose SLA failed",
            trigger: '.o_kanban_record:contains("Dashboard Tour Team") a[name="action_view_tickets"]:contains("SLA Failed")',
        },
        {
            content: "The late ticket wears a red SLA tag",
            trigger: '.o_kanban_record:contains("Late ticket") .o_field_helpdesk_sla_tags .o_tag_color_1:contains("Answer fast")',
            run() {},
        },
        {
            content: "The ticket on time is not listed",
            trigger: '.o_kanban_renderer:not(:has(.o_kanban_record:contains("On time ticket")))',
            run() {},
        },
    ],
});
