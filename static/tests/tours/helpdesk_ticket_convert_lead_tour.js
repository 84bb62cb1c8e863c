/** @odoo-module **/

import { registry } from "@web/core/registry";

// A salesperson turns a ticket into an opportunity for an existing customer.
registry.category("web_tour.tours").add("helpdesk_ce_ticket_convert_lead_tour", {
    test: true,
    steps: () => [
        {
            content: "Convert the ticket",
            trigger: '.o_form_view button[name="action_open_convert_lead"]:contains("Convert to Opportunity")',
        },
        {
            content: "Without a matching partner, the wizard offers to create a customer",
            trigger: '.o_field_widget[name="action"] input[data-value="create"]:checked',
            run() {},
        },
        {
            content: "Link an existing customer instead",
            trigger: '.o_field_widget[name="action"] input[data-value="exist"]',
        },
        {
            content: "Search the customer",
            trigger: '.o_field_widget[name="partner_id"] input',
            run: "text Carla",
        },
        {
            content: "Pick her",
            trigger: '.o-autocomplete--dropdown-item > a:contains("Carla Customer")',
        },
        {
            content: "Convert",
            trigger: '.modal-footer button[name="action_convert"]:contains("Convert to Opportunity")',
        },
        {
            content: "The opportunity opens",
            trigger: '.o_lead_opportunity_form .o_field_widget[name="partner_id"] input:propValue("Carla Customer")',
            in_modal: false,
            run() {},
        },
    ],
});
