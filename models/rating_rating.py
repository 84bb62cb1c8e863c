from odoo import api, fields, models


class RatingRating(models.Model):
    _inherit = 'rating.rating'

    # what the record rules of helpdesk ratings go through: a rating shows its ticket's subject, the customer
    # and their feedback, so it is visible exactly where its ticket is
    helpdesk_ticket_id = fields.Many2one(
        'helpdesk.ticket', compute='_compute_helpdesk_ticket_id', store=True,
        index='btree_not_null')

    @api.depends('res_model', 'res_id')
    def _compute_helpdesk_ticket_id(self):
        for rating in self:
            rating.helpdesk_ticket_id = rating.res_id if rating.res_model == 'helpdesk.ticket' else False
