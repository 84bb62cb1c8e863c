"""Security release, before the data files load: ticket references become unique per company, so the
duplicates that concurrent creations could make are renumbered first."""
from odoo.addons.helpdesk_ce.models.helpdesk_ticket_ref import renumber_duplicate_ticket_refs


def migrate(cr, version):
    renumber_duplicate_ticket_refs(cr)
