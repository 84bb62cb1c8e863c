from odoo import fields, models


class HelpdeskTicketCategory(models.Model):
    _name = 'helpdesk.ticket.category'
    _description = 'Helpdesk Ticket Category'
    _order = 'sequence, name'

    name = fields.Char(required=True, translate=True)
    description = fields.Text(translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company')

    _sql_constraints = [
        ('name_company_uniq', 'unique (name, company_id)', "A category with this name already exists."),
    ]
