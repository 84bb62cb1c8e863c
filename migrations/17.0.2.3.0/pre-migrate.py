"""17.0.2.3, before the ORM adds the new fields: the tickets already there owe their customer nothing."""
from odoo.addons.helpdesk_ce import upgrades


def migrate(cr, version):
    upgrades.pre_create_stage_messages_flag(cr)
