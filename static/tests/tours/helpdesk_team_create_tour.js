/** @odoo-module **/

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// A manager creates a public team from Configuration > Helpdesk Teams: it offers its form, whose address shows.
registry.category("web_tour.tours").add("helpdesk_ce_team_create_tour", {
    test: true,
    url: "/web",
    steps: () => [
        ...stepUtils.goToAppSteps("helpdesk_ce.menu_helpdesk_root", "Open the Helpdesk app"),
        {
            content: "Open Configuration",
            trigger: 'button[data-menu-xmlid="helpdesk_ce.menu_helpdesk_config"]',
        },
        {
            content: "Open Helpdesk Teams",
            trigger: 'a[data-menu-xmlid="helpdesk_ce.menu_helpdesk_team"]',
        },
        {
            content: "Create a team",
            trigger: ".o_list_button_add",
        },
        {
            content: "Name it",
            trigger: 'div[name="name"] input',
            run: "text VIP Support",
        },
        {
            content: "First make it a company team",
            trigger: 'div[name="privacy_visibility"] label:contains("All internal users (company)")',
        },
        {
            content: "Then public",
            trigger: 'div[name="privacy_visibility"] label:contains("Invited portal users and all internal users (public)")',
        },
        {
            content: "A public team offers its form",
            trigger: 'div[name="use_website_helpdesk_form"] input:checked',
            run() {},
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
        },
        {
            content: "Saved: the form's address is shown",
            trigger: 'div[name="website_form_url"] a:contains("/helpdesk/vip-support-")',
            extra_trigger: ".o_form_saved",
            run() {},
        },
        {
            content: "Go to the form is on the team",
            trigger: '.oe_stat_button[name="action_open_website_form"]:contains("the Form")',
            run() {},
        },
    ],
});
