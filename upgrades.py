"""Upgrade steps for databases installed before rating templates, assignment dates and reminders existed.

The lead's migration scripts call them (not loaded by Odoo on their own):

- ``pre_split_assign_dates(cr)`` in a pre-migration: creates ``last_assign_date`` filled from ``assign_date``
  (until now the last assignment), so that the ORM does not compute it as "now" for every assigned ticket;
- ``post_split_assign_dates(env)`` and ``post_move_rating_templates(env)`` in a post-migration.
"""
from odoo.tools import sql


def pre_split_assign_dates(cr):
    """``last_assign_date`` takes the value ``assign_date`` had: the last assignment."""
    if not sql.column_exists(cr, 'helpdesk_ticket', 'last_assign_date'):
        sql.create_column(cr, 'helpdesk_ticket', 'last_assign_date', 'timestamp')
        cr.execute("UPDATE helpdesk_ticket SET last_assign_date = assign_date WHERE assign_date IS NOT NULL")


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
