/** @odoo-module **/

import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

const { DateTime } = luxon;

/**
 * Tickets opened and closed per day on a team's dashboard card, as pairs of bars.
 * The field holds a JSON list of {date, opened, closed}, computed by grouped queries for all teams at once.
 */
export class TicketFlowGraphField extends Component {
    static template = "helpdesk_ce.TicketFlowGraphField";
    static props = { ...standardFieldProps };

    get days() {
        let days;
        try {
            days = JSON.parse(this.props.record.data[this.props.name] || "[]");
        } catch {
            days = [];
        }
        const highest = Math.max(1, ...days.map((day) => Math.max(day.opened, day.closed)));
        return days.map((day) => {
            const date = DateTime.fromISO(day.date);
            return {
                ...day,
                label: date.toFormat("ccc"),
                openedHeight: Math.round((day.opened * 100) / highest),
                closedHeight: Math.round((day.closed * 100) / highest),
                title: _t(
                    "%s: %s opened, %s closed",
                    date.toLocaleString(DateTime.DATE_MED),
                    day.opened,
                    day.closed
                ),
            };
        });
    }
}

export const ticketFlowGraphField = {
    component: TicketFlowGraphField,
    supportedTypes: ["text", "char"],
};

registry.category("fields").add("helpdesk_ticket_flow_graph", ticketFlowGraphField);
