from odoo import _, api, fields, models
from odoo.exceptions import UserError


class HelpdeskTicketAssign(models.TransientModel):
    """Action > Assign on the ticket list: give the selected tickets to a chosen agent."""
    _name = 'helpdesk.ticket.assign'
    _description = 'Assign Helpdesk Tickets'

    ticket_ids = fields.Many2many('helpdesk.ticket', string='Tickets', required=True)
    team_ids = fields.Many2many(
        'helpdesk.team', string='Teams', compute='_compute_team_ids',
        help="The tickets' teams: their agents are offered first.")
    team_member_ids = fields.Many2many(
        'res.users', string='Agents of These Teams', compute='_compute_team_ids')
    user_id = fields.Many2one(
        'res.users', 'Assign to', domain=lambda self: self.env['res.users']._helpdesk_agent_domain())

    @api.depends('ticket_ids')
    def _compute_team_ids(self):
        for wizard in self:
            wizard.team_ids = wizard.ticket_ids.team_id
            wizard.team_member_ids = wizard.team_ids.member_ids

    def action_assign(self):
        self.ensure_one()
        if not self.user_id:
            raise UserError(_("Choose the agent who takes these tickets."))
        if not self.user_id.filtered_domain(self.env['res.users']._helpdesk_agent_domain()):
            raise UserError(_("%s is not a helpdesk agent: tickets go to helpdesk agents only.", self.user_id.name))
        # the selection read without record rules: a ticket the user may not change refuses the whole assignment
        tickets = self.env['helpdesk.ticket'].browse(self.sudo().ticket_ids.ids)
        tickets.check_access_rights('write')
        tickets.check_access_rule('write')
        tickets.write({'user_id': self.user_id.id})
        return {'type': 'ir.actions.act_window_close'}
