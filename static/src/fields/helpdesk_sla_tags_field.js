/** @odoo-module **/

import { registry } from "@web/core/registry";
import { many2ManyTagsField } from "@web/views/fields/many2many_tags/many2many_tags_field";

/**
 * The SLA statuses of a ticket as tags: green when reached, red when failed (the status's color).
 * Odoo's tags widget only accepts many2many fields; statuses are a read-only one2many.
 */
export const helpdeskSlaTagsField = {
    ...many2ManyTagsField,
    supportedTypes: ["one2many"],
    extractProps(fieldInfo, dynamicInfo) {
        return {
            ...many2ManyTagsField.extractProps(fieldInfo, dynamicInfo),
            canCreate: false,
            canQuickCreate: false,
            canCreateEdit: false,
        };
    },
};

registry.category("fields").add("helpdesk_sla_tags", helpdeskSlaTagsField);
