"""Upgrade helper for the unique ticket reference (``helpdesk.ticket``'s ``ticket_ref_company_uniq``).

Databases made before the constraint may hold duplicate references; the constraint cannot be added over
them. A pre-migration script calls this before the module updates::

    from odoo.addons.helpdesk_ce.models.helpdesk_ticket_ref import renumber_duplicate_ticket_refs

    def migrate(cr, version):
        renumber_duplicate_ticket_refs(cr)
"""
import logging

_logger = logging.getLogger(__name__)


def renumber_duplicate_ticket_refs(cr):
    """Give every duplicate reference of a company a suffix: the oldest ticket keeps ``HD00042``, the next
    ones become ``HD00042-2``, ``HD00042-3``... (still matched in mail subjects). Returns the number renamed."""
    renamed = 0
    for _round in range(10):  # a suffixed reference may itself be taken: go round again
        cr.execute("""
            WITH numbered AS (
                SELECT id, ticket_ref,
                       row_number() OVER (PARTITION BY company_id, ticket_ref ORDER BY create_date, id) AS n
                  FROM helpdesk_ticket
                 WHERE ticket_ref IS NOT NULL
            )
            UPDATE helpdesk_ticket t
               SET ticket_ref = numbered.ticket_ref || '-' || numbered.n
              FROM numbered
             WHERE numbered.id = t.id AND numbered.n > 1
        """)
        if not cr.rowcount:
            break
        renamed += cr.rowcount
    if renamed:
        _logger.info("helpdesk_ce: %s duplicate ticket references renumbered", renamed)
    return renamed
