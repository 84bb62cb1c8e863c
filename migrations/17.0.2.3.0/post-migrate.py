"""17.0.2.3: the agents' ticket and SLA status rules test the ticket's team before its followers (same access,
cheaper queries); they sit in a noupdate block, which an upgrade never reloads: reloaded from the module's file."""
from odoo import SUPERUSER_ID, api

from odoo.addons.helpdesk_ce import upgrades

RULE_XMLIDS = (
    'helpdesk_ticket_user_rule',
    'helpdesk_ticket_user_team_rule',
    'helpdesk_ticket_user_own_rule',
    'helpdesk_sla_status_user_all_rule',
    'helpdesk_sla_status_user_team_rule',
    'helpdesk_sla_status_user_rule',
)


def migrate(cr, version):
    upgrades.reload_records(api.Environment(cr, SUPERUSER_ID, {}), 'security/helpdesk_security.xml', RULE_XMLIDS)
