from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import email_normalize


class HelpdeskTicketConvertLead(models.TransientModel):
    """Hand a ticket over to sales: a lead or opportunity with the ticket's content and customer.

    The customer choice follows CRM's own lead-to-opportunity wizard (crm.lead2opportunity.partner).
    """
    _name = 'helpdesk.ticket.convert.lead'
    _description = 'Convert Ticket to Lead or Opportunity'

    @api.model
    def _default_lead_type(self):
        return 'lead' if self.env.user.has_group('crm.group_use_lead') else 'opportunity'

    ticket_id = fields.Many2one('helpdesk.ticket', required=True, ondelete='cascade')
    lead_type = fields.Selection(
        [('lead', 'Lead'), ('opportunity', 'Opportunity')], 'Type', required=True,
        default=lambda self: self._default_lead_type())
    action = fields.Selection([
        ('create', 'Create a new customer'),
        ('exist', 'Link to an existing customer'),
        ('nothing', 'Do not link to a customer'),
    ], 'Related Customer', compute='_compute_action', store=True, readonly=False)
    partner_id = fields.Many2one('res.partner', 'Customer', compute='_compute_partner_id', store=True, readonly=False)
    user_id = fields.Many2one('res.users', 'Salesperson', default=lambda self: self.env.user)
    team_id = fields.Many2one('crm.team', 'Sales Team', compute='_compute_team_id', store=True, readonly=False)

    def _find_matching_partner(self):
        """The ticket's customer, else a contact with the ticket's email."""
        ticket = self.ticket_id
        if ticket.partner_id:
            return ticket.partner_id
        email = email_normalize(ticket.partner_email or '')
        if email:
            return self.env['res.partner'].search([('email_normalized', '=', email)], limit=1)
        return self.env['res.partner']

    @api.depends('ticket_id')
    def _compute_action(self):
        for wizard in self:
            ticket = wizard.ticket_id
            if wizard._find_matching_partner():
                wizard.action = 'exist'
            elif ticket.partner_name or ticket.partner_email:
                wizard.action = 'create'
            else:
                wizard.action = 'nothing'

    @api.depends('action', 'ticket_id')
    def _compute_partner_id(self):
        for wizard in self:
            wizard.partner_id = wizard._find_matching_partner() if wizard.action == 'exist' else False

    @api.depends('user_id')
    def _compute_team_id(self):
        """Like CRM: the salesperson's team, unless the chosen team already has them."""
        for wizard in self:
            user = wizard.user_id
            if not user or (wizard.team_id and user in wizard.team_id.member_ids | wizard.team_id.user_id):
                continue
            wizard.team_id = self.env['crm.team']._get_default_team_id(user_id=user.id, domain=None)

    def _prepare_lead_values(self):
        ticket = self.ticket_id
        return {
            'name': ticket.name,
            'type': self.lead_type,
            'description': ticket.description,
            'contact_name': ticket.partner_name or ticket.partner_id.name,
            'email_from': ticket.partner_email,
            'phone': ticket.partner_phone,
            'partner_id': self.partner_id.id if self.action == 'exist' else False,
            'team_id': self.team_id.id,
            'user_id': self.user_id.id,
            'campaign_id': ticket.campaign_id.id,
            'medium_id': ticket.medium_id.id,
            'source_id': ticket.source_id.id,
        }

    def action_convert(self):
        """Create the lead, link it both ways, archive the ticket: all of it or nothing."""
        self.ensure_one()
        if not self.env.user.has_group('sales_team.group_sale_salesman'):
            raise AccessError(_("Only salespeople can convert tickets into leads or opportunities."))
        ticket = self.ticket_id
        ticket.check_access_rights('write')
        ticket.check_access_rule('write')
        if ticket.lead_id:
            raise UserError(_("Ticket %(ticket)s was already converted into %(lead)s.",
                              ticket=ticket.ticket_ref, lead=ticket.lead_id.sudo().display_name))
        if self.action == 'exist' and not self.partner_id:
            raise UserError(_("Choose the customer to link the lead to."))
        with self.env.cr.savepoint():
            lead = self.env['crm.lead'].create(self._prepare_lead_values())
            if self.action == 'create':
                lead.with_context(default_user_id=self.user_id.id)._handle_partner_assignment(create_missing=True)
            lead.message_post_with_source(
                'mail.message_origin_link', render_values={'self': lead, 'origin': ticket},
                subtype_xmlid='mail.mt_note')
            body = _("Converted into the lead %s") if lead.type == 'lead' else _("Converted into the opportunity %s")
            ticket.message_post(body=Markup(body) % lead._get_html_link(), subtype_xmlid='mail.mt_note')
            ticket.write({'lead_id': lead.id, 'active': False})
        return lead.redirect_lead_opportunity_view()
