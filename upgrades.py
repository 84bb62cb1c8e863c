"""Upgrade steps for databases installed before 17.0.2 (unique references, assignment dates, rating templates)
and before 17.0.2.3 (stage messages of new tickets sent by a job).

The lead's migration scripts call them (not loaded by Odoo on their own):

- ``pre_split_assign_dates(cr)`` in a pre-migration: creates ``last_assign_date`` filled from ``assign_date``
  (until now the last assignment), so that the ORM does not compute it as "now" for every assigned ticket;
- ``post_split_assign_dates(env)`` and ``post_move_rating_templates(env)`` in a post-migration;
- ``renumber_duplicate_ticket_refs(cr)`` in a pre-migration, before references become unique per company;
- ``pre_create_stage_messages_flag(cr)`` in a pre-migration: creates ``stage_messages_to_send`` empty;
- ``drop_priority_index(cr)`` in a post-migration (17.0.2.4): the priority's own index, which Odoo keeps.
"""
import logging

from odoo.tools import sql

_logger = logging.getLogger(__name__)


def pre_split_assign_dates(cr):
    """``last_assign_date`` takes the value ``assign_date`` had: the last assignment."""
    if not sql.column_exists(cr, 'helpdesk_ticket', 'last_assign_date'):
        sql.create_column(cr, 'helpdesk_ticket', 'last_assign_date', 'timestamp')
        cr.execute("UPDATE helpdesk_ticket SET last_assign_date = assign_date WHERE assign_date IS NOT NULL")


def pre_create_stage_messages_flag(cr):
    """``stage_messages_to_send`` exists before the ORM sees it: computed, it would mark every ticket of a
    stage with an email, and the job would acknowledge them all again."""
    if not sql.column_exists(cr, 'helpdesk_ticket', 'stage_messages_to_send'):
        sql.create_column(cr, 'helpdesk_ticket', 'stage_messages_to_send', 'boolean')


def post_split_assign_dates(env):
    """``assign_date`` becomes the first assignment where the chatter's tracking knows an earlier one (the
    creation when the first tracked change of the assignee started from someone); the hours to assign follow."""
    env.cr.execute("""
        UPDATE helpdesk_ticket t
           SET assign_date = CASE WHEN COALESCE(first.old_user, 0) != 0 THEN t.create_date ELSE first.date END
          FROM (SELECT DISTINCT ON (m.res_id) m.res_id, m.date, v.old_value_integer AS old_user
                  FROM mail_tracking_value v
                  JOIN mail_message m ON m.id = v.mail_message_id
                  JOIN ir_model_fields f ON f.id = v.field_id
                 WHERE m.model = 'helpdesk.ticket' AND f.model = 'helpdesk.ticket' AND f.name = 'user_id'
              ORDER BY m.res_id, m.date, m.id) AS first
         WHERE t.id = first.res_id AND t.assign_date IS NOT NULL
           AND (CASE WHEN COALESCE(first.old_user, 0) != 0 THEN t.create_date ELSE first.date END) < t.assign_date
     RETURNING t.id
    """)
    tickets = env['helpdesk.ticket'].with_context(active_test=False).browse([row[0] for row in env.cr.fetchall()])
    if tickets:
        tickets.invalidate_recordset(['assign_date'])
        env.add_to_compute(tickets._fields['assign_hours'], tickets)
        tickets.flush_recordset(['assign_hours'])


def post_move_rating_templates(env):
    """Stages whose email template asked for a rating (it renders a rating token: the only way it was told
    apart before ``rating_template_id``) get it as their rating template instead."""
    stages = env['helpdesk.stage'].with_context(active_test=False).search([
        ('template_id', '!=', False), ('rating_template_id', '=', False)])
    for stage in stages.filtered(lambda s: '_rating_get_access_token' in (s.template_id.body_html or '')):
        stage.write({'rating_template_id': stage.template_id.id, 'template_id': False})


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


def drop_priority_index(cr):
    """The priority's own index is no longer declared (``helpdesk_ticket_priority_id_index`` serves its searches
    and the lists' order); Odoo keeps an index a field stops declaring, and every insertion updates it."""
    sql.drop_index(cr, 'helpdesk_ticket__priority_index', 'helpdesk_ticket')
