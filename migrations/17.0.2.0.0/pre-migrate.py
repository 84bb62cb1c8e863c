"""17.0.2, before the data files load: ticket references become unique per company (the duplicates concurrent
creations could make are renumbered first); the last assignment date keeps what assign_date meant so far."""
from odoo.addons.helpdesk_ce import upgrades


def migrate(cr, version):
    upgrades.renumber_duplicate_ticket_refs(cr)
    upgrades.pre_split_assign_dates(cr)
