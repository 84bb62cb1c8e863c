from odoo import fields, models, tools

from ..models.helpdesk_ticket import TICKET_PRIORITIES


class HelpdeskTicketReportAnalysis(models.Model):
    """Ticket analysis: the durations fixed once reached are read from the ticket (stored when they
    happened); those that run with the clock are computed by PostgreSQL when the report is read."""
    _name = 'helpdesk.ticket.report.analysis'
    _description = 'Ticket Analysis'
    _auto = False
    _order = 'create_date desc'
    _rec_name = 'ticket_id'

    ticket_id = fields.Many2one('helpdesk.ticket', readonly=True)
    ticket_ref = fields.Char('Reference', readonly=True)
    team_id = fields.Many2one('helpdesk.team', 'Helpdesk Team', readonly=True)
    stage_id = fields.Many2one('helpdesk.stage', readonly=True)
    user_id = fields.Many2one('res.users', 'Assigned to', readonly=True)
    partner_id = fields.Many2one('res.partner', 'Customer', readonly=True)
    company_id = fields.Many2one('res.company', readonly=True)
    category_id = fields.Many2one('helpdesk.ticket.category', readonly=True)
    priority = fields.Selection(TICKET_PRIORITIES, readonly=True)
    is_closed = fields.Boolean('Closed', readonly=True)
    sla_fail = fields.Boolean('Failed SLA Policy', readonly=True)
    create_date = fields.Datetime('Created on', readonly=True)
    close_date = fields.Datetime('Closed on', readonly=True)
    assign_date = fields.Datetime('First Assignment', readonly=True)
    sla_deadline = fields.Datetime('SLA Deadline', readonly=True)
    assign_hours = fields.Float('Working Hours to Assign', readonly=True, group_operator='avg')
    close_hours = fields.Float('Working Hours to Close', readonly=True, group_operator='avg')
    first_response_hours = fields.Float('Working Hours to First Response', readonly=True, group_operator='avg')
    open_hours = fields.Float(
        'Hours Open', readonly=True, group_operator='avg', help="Calendar hours from creation to closing, or to now.")
    sla_deadline_hours = fields.Float(
        'Hours until SLA Deadline', readonly=True, group_operator='avg',
        help="Calendar hours from now to the earliest running SLA deadline (negative once passed).")
    sla_failed_count = fields.Integer('SLA Policies Failed', readonly=True, group_operator='sum')
    rating_avg = fields.Float('Average Rating', readonly=True, group_operator='avg')

    def _select(self):
        return """
            t.id AS id,
            t.id AS ticket_id,
            t.ticket_ref,
            t.team_id,
            t.stage_id,
            t.user_id,
            t.partner_id,
            t.company_id,
            t.category_id,
            t.priority,
            t.is_closed,
            t.sla_fail,
            t.create_date,
            t.close_date,
            t.assign_date,
            t.sla_deadline,
            CASE WHEN t.assign_date IS NOT NULL THEN t.assign_hours END AS assign_hours,
            CASE WHEN t.close_date IS NOT NULL THEN t.close_hours END AS close_hours,
            CASE WHEN t.first_response_date IS NOT NULL THEN t.first_response_hours END AS first_response_hours,
            EXTRACT(EPOCH FROM COALESCE(t.close_date, NOW() AT TIME ZONE 'UTC') - t.create_date) / 3600.0
                AS open_hours,
            EXTRACT(EPOCH FROM t.sla_deadline - NOW() AT TIME ZONE 'UTC') / 3600.0 AS sla_deadline_hours,
            COALESCE(failed.count, 0) AS sla_failed_count,
            NULLIF(t.rating_last_value, 0) AS rating_avg
        """

    def _from(self):
        return """
            helpdesk_ticket t
            LEFT JOIN (
                SELECT ticket_id, COUNT(*) AS count
                  FROM helpdesk_sla_status
                 WHERE status = 'failed'
              GROUP BY ticket_id
            ) failed ON failed.ticket_id = t.id
        """

    def _where(self):
        return "t.active"

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute("CREATE OR REPLACE VIEW %s AS (SELECT %s FROM %s WHERE %s)" % (
            self._table, self._select(), self._from(), self._where()))
