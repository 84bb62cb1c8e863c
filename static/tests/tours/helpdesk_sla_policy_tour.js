/** @odoo-module **/

import { registry } from "@web/core/registry";

// A manager creates an SLA policy: the team, the stage to reach, the working hours allowed.
registry.category("web_tour.tours").add("helpdesk_ce_sla_policy_tour", {
    test: true,
    url: "/web#action=helpdesk_ce.helpdesk_sla_action",
    steps: () => [
        {
            content: "Create a policy",
            trigger: ".o_list_button_add",
        },
        {
            content: "Name it",
            trigger: '.o_field_widget[name="name"] input',
            run: "text Solved within half a day",
        },
        {
            content: "Pick the team",
            trigger: '.o_field_widget[name="team_id"] input',
            run: "text SLA Tour Team",
        },
        {
            content: "Choose it in the list",
            trigger: '.ui-autocomplete a.dropdown-item:contains("SLA Tour Team")',
        },
        {
            content: "Pick the stage to reach",
            trigger: '.o_field_widget[name="stage_id"] input',
            run: "text Solved",
        },
        {
            content: "Choose it in the list",
            trigger: '.ui-autocomplete a.dropdown-item:contains("Solved")',
        },
        {
            content: "Allow four working hours",
            trigger: '.o_field_widget[name="time"] input',
            run: "text 04:00",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
        },
        {
            content: "Saved",
            trigger: ".o_form_saved",
            run() {},
        },
    ],
});
