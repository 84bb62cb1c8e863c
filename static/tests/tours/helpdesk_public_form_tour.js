/** @odoo-module **/

import { registry } from "@web/core/registry";

// A visitor fills in a team's public ticket form and gets the reference of their ticket.
registry.category("web_tour.tours").add("helpdesk_ce_public_form_tour", {
    test: true,
    steps: () => [
        {
            content: "The form shows the team's description",
            trigger: '.o_helpdesk_team_description:contains("We answer within one working day.")',
            isCheck: true,
        },
        {
            content: "Name",
            trigger: 'input[name="partner_name"]',
            run: "text Vera Visitor",
        },
        {
            content: "Email",
            trigger: 'input[name="partner_email"]',
            run: "text vera@visitor.example.com",
        },
        {
            content: "Subject",
            trigger: 'input[name="name"]',
            run: "text The login page loops",
        },
        {
            content: "Description",
            trigger: 'textarea[name="description"]',
            run: "text Every time I log in, I land on the login page again.",
        },
        {
            content: "Send",
            trigger: ".o_helpdesk_ticket_submit",
        },
        {
            content: "The confirmation gives the reference",
            trigger: '.o_helpdesk_ticket_done .o_helpdesk_ticket_ref:contains("HD")',
            isCheck: true,
        },
    ],
});
