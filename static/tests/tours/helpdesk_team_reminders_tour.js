/** @odoo-module **/

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// A manager turns reminders on for a team: the assignee after 4 working hours, the customer in "Waiting".
registry.category("web_tour.tours").add("helpdesk_ce_team_reminders_tour", {
    test: true,
    url: "/web",
    steps: () => [
        ...stepUtils.goToAppSteps("helpdesk_ce.menu_helpdesk_root", "Open the Helpdesk app"),
        {
            content: "Open the configuration menu",
            trigger: '.o_main_navbar button:contains("Configuration")',
        },
        {
            content: "Open the teams",
            trigger: '.dropdown-item:contains("Helpdesk Teams")',
        },
        {
            content: "Open the team",
            trigger: '.o_data_row td:contains("Reminder Tour Team")',
        },
        {
            content: "Turn reminders on",
            trigger: '.o_field_widget[name="use_reminders"] input',
        },
        {
            content: "Remind after four working hours",
            trigger: '.o_field_widget[name="reminder_hours"] input',
            run: "text 04:00",
        },
        {
            content: "Remind customers too",
            trigger: '.o_field_widget[name="customer_reminder"] input',
        },
        {
            content: "Pick the stage where tickets wait for the customer",
            trigger: '.o_field_widget[name="customer_reminder_stage_id"] input',
            run: "text Waiting",
        },
        {
            content: "Choose it",
            trigger: '.ui-autocomplete a.dropdown-item:contains("Waiting")',
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
