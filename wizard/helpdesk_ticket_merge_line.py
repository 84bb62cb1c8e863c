from odoo import api, fields, models


class HelpdeskTicketMergeLine(models.TransientModel):
    """One ticket of the merge wizard, with how alike it is to the ticket kept."""
    _name = 'helpdesk.ticket.merge.line'
    _description = 'Helpdesk Ticket Merge Line'
    _order = 'is_target desc, similarity desc, id'

    wizard_id = fields.Many2one('helpdesk.ticket.merge', required=True, ondelete='cascade')
    ticket_id = fields.Many2one('helpdesk.ticket', required=True, ondelete='cascade')
    similarity = fields.Integer(help="How alike this ticket is to the ticket kept (0-100), from its subject, "
                                     "description and customer.")
    is_target = fields.Boolean('Kept')
    ticket_ref = fields.Char(related='ticket_id.ticket_ref')
    team_id = fields.Many2one(related='ticket_id.team_id')
    partner_id = fields.Many2one(related='ticket_id.partner_id')
    ticket_create_date = fields.Datetime('Ticket Created on', related='ticket_id.create_date')
    stage_id = fields.Many2one(related='ticket_id.stage_id')

    @api.constrains('ticket_id')
    def _check_readable_ticket(self):
        """A line shows its ticket's reference, team and customer: only for tickets the user may read."""
        self.ticket_id.check_access_rule('read')
