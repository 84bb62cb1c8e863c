/** @odoo-module **/

import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { formatFloat } from "@web/core/utils/numbers";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

/**
 * A team's figures on its dashboard card: open tickets per stage, resolution rate and average time to close
 * over 7 and 30 days, SLA success and satisfaction rates, and the user's own figures ("My performance").
 * The field holds JSON computed by a fixed number of grouped queries for all teams at once.
 */
export class TeamInsightField extends Component {
    static template = "helpdesk_ce.TeamInsightField";
    static props = { ...standardFieldProps };

    get insight() {
        try {
            return JSON.parse(this.props.record.data[this.props.name] || "{}");
        } catch {
            return {};
        }
    }

    percent(value) {
        return value === null || value === undefined ? "–" : `${value}%`;
    }

    hours(value) {
        return value === null || value === undefined ? "–" : _t("%sh", formatFloat(value, { digits: [false, 1] }));
    }
}

export const teamInsightField = {
    component: TeamInsightField,
    supportedTypes: ["text", "char"],
};

registry.category("fields").add("helpdesk_team_insight", teamInsightField);
