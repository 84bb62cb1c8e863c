from odoo import _, fields, models


class HelpdeskStage(models.Model):
    _name = 'helpdesk.stage'
    _description = 'Helpdesk Stage'
    _order = 'sequence, id'

    def _default_team_ids(self):
        team_id = self.env.context.get('default_team_id')
        return [fields.Command.set([team_id])] if team_id else False

    name = fields.Char(required=True, translate=True)
    description = fields.Text(translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    fold = fields.Boolean(
        'Folded in Kanban',
        help="Tickets in a folded stage are closed: the stage ends the ticket's life (solved, cancelled).")
    team_ids = fields.Many2many(
        'helpdesk.team', relation='helpdesk_team_stage_rel', column1='stage_id', column2='team_id',
        string='Teams', default=lambda self: self._default_team_ids())
    template_id = fields.Many2one(
        'mail.template', 'Email Template', domain=[('model', '=', 'helpdesk.ticket')],
        help="Sent to the customer when a ticket reaches this stage.")
    rating_template_id = fields.Many2one(
        'mail.template', 'Rating Email Template', domain=[('model', '=', 'helpdesk.ticket')],
        help="Sent to the customer to ask for a rating when a ticket reaches this stage, on teams with "
             "Customer Ratings on.")
    sms_template_id = fields.Many2one(
        'sms.template', 'SMS Template', domain=[('model', '=', 'helpdesk.ticket')],
        help="Sent by SMS to the customer when a ticket reaches this stage.")
    legend_normal = fields.Char('Grey Kanban Label', default=lambda s: _('In Progress'), translate=True, required=True)
    legend_done = fields.Char('Green Kanban Label', default=lambda s: _('Ready'), translate=True, required=True)
    legend_blocked = fields.Char('Red Kanban Label', default=lambda s: _('Blocked'), translate=True, required=True)
    ticket_count = fields.Integer(compute='_compute_ticket_count')

    def _compute_ticket_count(self):
        counts = dict(self.env['helpdesk.ticket']._read_group(
            [('stage_id', 'in', self.ids)], ['stage_id'], ['__count']))
        for stage in self:
            stage.ticket_count = counts.get(stage, 0)
