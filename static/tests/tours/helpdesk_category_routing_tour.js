/** @odoo-module **/

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// A manager routes a category to a team, then files a ticket in it: the form moves it to that team.
registry.category("web_tour.tours").add("helpdesk_ce_category_routing_tour", {
    test: true,
    url: "/web",
    steps: () => [
        ...stepUtils.goToAppSteps("helpdesk_ce.menu_helpdesk_root", "Open the Helpdesk app"),
        {
            content: "Open the configuration menu",
            trigger: '.o_main_navbar button:contains("Configuration")',
        },
        {
            content: "Open the categories",
            trigger: '.dropdown-item:contains("Categories")',
        },
        {
            content: "Add a category",
            trigger: ".o_list_button_add",
        },
        {
            content: "Name it",
            trigger: '.o_data_row .o_field_widget[name="name"] input',
            run: "text Broken hardware",
        },
        {
            content: "Route it to a team",
            trigger: '.o_data_row .o_field_widget[name="team_id"] input',
            run: "text Hardware",
        },
        {
            content: "Choose the team",
            trigger: '.ui-autocomplete a.dropdown-item:contains("Hardware Team")',
        },
        {
            content: "Click away from the row: the list saves it",
            trigger: ".o_control_panel .o_breadcrumb",
        },
        {
            content: "Saved",
            trigger: '.o_data_row:contains("Broken hardware"):contains("Hardware Team")',
            run() {},
        },
        {
            content: "Open the tickets menu",
            trigger: '.o_main_navbar button:contains("Tickets")',
        },
        {
            content: "Open all tickets",
            trigger: '.dropdown-item:contains("All Tickets")',
        },
        {
            content: "The tickets list is there (not the categories' any more)",
            trigger: '.o_breadcrumb .active:contains("All Tickets")',
            run() {},
        },
        {
            content: "Create a ticket",
            trigger: ".o_list_button_add",
        },
        {
            content: "Type the subject",
            trigger: '.o_form_view .o_field_widget[name="name"] input',
            run: "text Cracked screen",
        },
        {
            content: "Pick the category",
            trigger: '.o_form_view .o_field_widget[name="category_id"] input',
            run: "text Broken",
        },
        {
            content: "Choose it",
            trigger: '.ui-autocomplete a.dropdown-item:contains("Broken hardware")',
        },
        {
            content: "The form shows the category's team",
            trigger: '.o_form_view .o_field_widget[name="team_id"] input:propValue("Hardware Team")',
            run() {},
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
