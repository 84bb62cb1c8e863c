/** @odoo-module **/

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// An agent reads a team's figures on its Overview card, then clicks the card: the team's pipeline opens,
// every stage shown, folded ones included.
registry.category("web_tour.tours").add("helpdesk_ce_team_pipeline_tour", {
    test: true,
    url: "/web",
    steps: () => [
        ...stepUtils.goToAppSteps("helpdesk_ce.menu_helpdesk_root", "Open the Helpdesk app"),
        {
            content: "The Overview uses Odoo's dashboard cards",
            trigger: '.o_kanban_dashboard .o_kanban_record:contains("Pipeline Team")',
            run() {},
        },
        {
            content: "The card counts the open tickets per stage",
            trigger: '.o_kanban_record:contains("Pipeline Team") .o_helpdesk_insight_stage[data-count="2"]:contains("New")',
            run() {},
        },
        {
            content: "Half the tickets created this week are solved",
            trigger: '.o_kanban_record:contains("Pipeline Team") .o_helpdesk_insight_resolution td[data-days="7"]:contains("50%")',
            run() {},
        },
        {
            content: "My performance: my open tickets",
            trigger: '.o_kanban_record:contains("Pipeline Team") .o_helpdesk_insight_my_open:contains("1")',
            run() {},
        },
        {
            content: "Click the card, away from its buttons and links",
            trigger: '.o_kanban_record:contains("Pipeline Team") .o_kanban_card_header_title .o_primary',
        },
        {
            content: "The pipeline shows the team's folded stages too, with their tickets",
            trigger: '.o_kanban_group.o_column_folded:contains("Solved")',
            run() {},
        },
        {
            content: "The open stages list their tickets",
            trigger: '.o_kanban_group:not(.o_column_folded) .o_kanban_record:contains("Pipeline open ticket")',
            run() {},
        },
    ],
});
