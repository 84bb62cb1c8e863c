"""17.0.2.4: one index less on every insertion of a ticket (the priority's own, redundant)."""
from odoo.addons.helpdesk_ce import upgrades


def migrate(cr, version):
    upgrades.drop_priority_index(cr)
