from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .res_users import HELPDESK_AGENT_GROUP


class HelpdeskTicketCategory(models.Model):
    _name = 'helpdesk.ticket.category'
    _description = 'Helpdesk Ticket Category'
    _order = 'sequence, name'

    name = fields.Char(required=True, translate=True)
    description = fields.Text(translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company')
    team_id = fields.Many2one(
        'helpdesk.team', 'Route to Team', index='btree_not_null', ondelete='set null',
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)] if company_id else []",
        help="Tickets created in or moved to this category go to this team, whatever the channel "
             "(email, portal, form, backend), and are assigned by the team's method.")
    user_ids = fields.Many2many(
        'res.users', 'helpdesk_ticket_category_user_rel', 'category_id', 'user_id', string='Agents',
        domain=lambda self: [('groups_id', 'in', self.env['ir.model.data']._xmlid_to_res_id(HELPDESK_AGENT_GROUP)),
                             ('share', '=', False)],
        help="Optional: the team's tickets of this category are given to these agents only, by the team's "
             "assignment method, even when the team does not assign automatically.")

    _sql_constraints = [
        ('name_company_uniq', 'unique (name, company_id)', "A category with this name already exists."),
    ]

    @api.constrains('team_id', 'user_ids')
    def _check_agents_need_team(self):
        if any(category.user_ids and not category.team_id for category in self):
            raise ValidationError(_("Choose the team the category routes to before naming its agents."))

    @api.constrains('team_id', 'company_id')
    def _check_team_company(self):
        for category in self:
            if category.team_id and category.company_id and category.team_id.company_id != category.company_id:
                raise ValidationError(_(
                    "The category %(category)s belongs to %(company)s: it cannot route to a team of another company.",
                    category=category.name, company=category.company_id.name))

    @api.model
    def _route_ticket_vals(self, vals_list):
        """Ticket values (create or write) in a category that names a team get that team, in place.
        Returns whether any was routed."""
        category_ids = {vals['category_id'] for vals in vals_list if vals.get('category_id')}
        if not category_ids:
            return False
        teams = {category.id: category.team_id.id for category in self.sudo().browse(category_ids)}
        routed = False
        for vals in vals_list:
            team_id = teams.get(vals.get('category_id'))
            if team_id:
                vals['team_id'] = team_id
                routed = True
        return routed

    def _release_rerouted_tickets(self, tickets):
        """Tickets about to move to this category's team drop their assignee when that team (or this
        category) assigns automatically: its method gives them an agent once moved."""
        self.ensure_one()
        moved = tickets.filtered(lambda t: t.team_id != self.team_id and t.user_id)
        if moved and (self.team_id.auto_assignment or self.user_ids):
            moved.write({'user_id': False})
