from odoo import _, api, fields, models
from odoo.exceptions import UserError

KANBAN_STATES = [
    ('normal', 'In Progress'),
    ('done', 'Ready'),
    ('blocked', 'Blocked'),
]

TICKET_PRIORITIES = [
    ('0', 'Low'),
    ('1', 'Medium'),
    ('2', 'High'),
    ('3', 'Urgent'),
]


class HelpdeskTicket(models.Model):
    _name = 'helpdesk.ticket'
    _description = 'Helpdesk Ticket'
    _inherit = [
        'mail.thread.cc', 'mail.activity.mixin', 'portal.mixin', 'rating.mixin',
        'mail.tracking.duration.mixin', 'utm.mixin',
    ]
    _order = 'priority desc, id desc'
    _primary_email = 'partner_email'
    _rec_names_search = ['name', 'ticket_ref']
    _track_duration_field = 'stage_id'
    _mail_post_access = 'read'

    @api.model
    def _default_team_id(self):
        team_id = self.env.context.get('default_team_id')
        if team_id:
            return team_id
        return self.env['helpdesk.team'].search(
            [('company_id', 'in', self.env.companies.ids)], limit=1).id

    name = fields.Char('Subject', required=True, index='trigram', tracking=True)
    ticket_ref = fields.Char(
        'Reference', readonly=True, copy=False, index=True, default=lambda self: _('New'))
    description = fields.Html()
    active = fields.Boolean(default=True, tracking=True)
    team_id = fields.Many2one(
        'helpdesk.team', 'Helpdesk Team', required=True, index=True, tracking=True,
        default=_default_team_id)
    company_id = fields.Many2one(related='team_id.company_id', store=True, index=True, readonly=True)
    stage_id = fields.Many2one(
        'helpdesk.stage', 'Stage', compute='_compute_stage_id', store=True, readonly=False,
        index=True, tracking=True, copy=False, ondelete='restrict',
        domain="[('team_ids', '=', team_id)]", group_expand='_read_group_stage_ids')
    user_id = fields.Many2one(
        'res.users', 'Assigned to', index=True, tracking=True,
        domain=lambda self: [('groups_id', 'in', self.env.ref('helpdesk_ce.group_helpdesk_user').id),
                             ('share', '=', False)])
    partner_id = fields.Many2one('res.partner', 'Customer', index=True, tracking=True)
    partner_name = fields.Char(
        'Customer Name', compute='_compute_partner_info', store=True, readonly=False)
    partner_email = fields.Char(
        'Customer Email', compute='_compute_partner_info', store=True, readonly=False)
    partner_phone = fields.Char(
        'Customer Phone', compute='_compute_partner_info', store=True, readonly=False)
    priority = fields.Selection(TICKET_PRIORITIES, default='0', required=True, index=True, tracking=True)
    tag_ids = fields.Many2many('helpdesk.tag', string='Tags')
    category_id = fields.Many2one('helpdesk.ticket.category', 'Category', index=True)
    color = fields.Integer('Color Index')
    is_closed = fields.Boolean(
        'Closed', compute='_compute_is_closed', store=True, index=True,
        help="The ticket is in a folded stage.")
    close_date = fields.Datetime('Closed On', compute='_compute_close_date', store=True, copy=False)
    assign_date = fields.Datetime('First Assignment', compute='_compute_assign_date', store=True, copy=False)
    date_last_stage_update = fields.Datetime(
        'Last Stage Update', compute='_compute_date_last_stage_update', store=True, index=True, copy=False)
    kanban_state = fields.Selection(
        KANBAN_STATES, string='Kanban State', compute='_compute_kanban_state', store=True, readonly=False,
        copy=False, help="Reset to In Progress when the ticket changes stage.")
    legend_normal = fields.Char(related='stage_id.legend_normal')
    legend_done = fields.Char(related='stage_id.legend_done')
    legend_blocked = fields.Char(related='stage_id.legend_blocked')

    # ------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------

    @api.depends('team_id')
    def _compute_stage_id(self):
        for ticket in self:
            if not ticket.team_id:
                ticket.stage_id = False
            elif ticket.stage_id not in ticket.team_id.stage_ids:
                ticket.stage_id = ticket.team_id.stage_ids[:1]

    @api.depends('partner_id')
    def _compute_partner_info(self):
        """Contact data comes from the partner; without a partner it stays as typed."""
        for ticket in self:
            partner = ticket.partner_id
            if partner:
                ticket.partner_name = partner.name
                ticket.partner_email = partner.email
                ticket.partner_phone = partner.phone or partner.mobile

    @api.depends('stage_id.fold')
    def _compute_is_closed(self):
        for ticket in self:
            ticket.is_closed = ticket.stage_id.fold

    @api.depends('is_closed')
    def _compute_close_date(self):
        now = fields.Datetime.now()
        for ticket in self:
            if not ticket.is_closed:
                ticket.close_date = False
            elif not ticket.close_date:
                ticket.close_date = now

    @api.depends('user_id')
    def _compute_assign_date(self):
        now = fields.Datetime.now()
        for ticket in self:
            ticket.assign_date = ticket.user_id and now

    @api.depends('stage_id')
    def _compute_date_last_stage_update(self):
        self.date_last_stage_update = fields.Datetime.now()

    @api.depends('stage_id')
    def _compute_kanban_state(self):
        self.kanban_state = 'normal'

    def _compute_access_url(self):
        super()._compute_access_url()
        for ticket in self:
            ticket.access_url = '/my/tickets/%s' % ticket.id

    @api.depends('ticket_ref')
    def _compute_display_name(self):
        for ticket in self:
            ticket.display_name = '%s (%s)' % (ticket.name, ticket.ticket_ref) if ticket.ticket_ref else ticket.name

    @api.model
    def _read_group_stage_ids(self, stages, domain, order):
        """Kanban columns are the stages of the team in context, shown even when empty."""
        team_id = self.env.context.get('default_team_id')
        search_domain = [('id', 'in', stages.ids)]
        if team_id:
            search_domain = ['|', ('team_ids', '=', team_id)] + search_domain
        return stages.search(search_domain, order=order)

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get('ticket_ref') or vals['ticket_ref'] == _('New'):
                vals['ticket_ref'] = self.env['ir.sequence'].sudo().next_by_code('helpdesk.ticket') or _('New')
        tickets = super().create(vals_list)
        tickets._subscribe_team_and_customer()
        self.env['helpdesk.team']._auto_assign_tickets(tickets)
        tickets._send_stage_messages()
        return tickets

    def write(self, vals):
        stages_before = {t.id: t.stage_id for t in self} if {'stage_id', 'team_id'} & set(vals) else None
        res = super().write(vals)
        if 'team_id' in vals or 'partner_id' in vals:
            self._subscribe_team_and_customer(customer='partner_id' in vals, team='team_id' in vals)
        if 'team_id' in vals and 'user_id' not in vals:
            self.env['helpdesk.team']._auto_assign_tickets(self)
        if stages_before is not None:
            self.filtered(lambda t: t.stage_id != stages_before[t.id])._send_stage_messages()
        return res

    def _subscribe_team_and_customer(self, customer=True, team=True):
        """The customer follows their ticket; the team's followers follow all its tickets."""
        if customer:
            for ticket in self.filtered('partner_id'):
                ticket.message_subscribe(partner_ids=ticket.partner_id.ids)
        if team:
            for team_rec, tickets in self.grouped('team_id').items():
                if team_rec.message_partner_ids:
                    tickets.message_subscribe(partner_ids=team_rec.message_partner_ids.ids)

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_assign_to_me(self):
        if not self.env.user.has_group('helpdesk_ce.group_helpdesk_user'):
            raise UserError(_("Only helpdesk agents can take tickets."))
        self.write({'user_id': self.env.uid})

    # ------------------------------------------------------------
    # Mail, portal and rating
    # ------------------------------------------------------------

    def _rating_get_parent_field_name(self):
        return 'team_id'

    def _rating_get_partner(self):
        return self.partner_id or super()._rating_get_partner()

    def _message_get_suggested_recipients(self):
        recipients = super()._message_get_suggested_recipients()
        try:
            for ticket in self:
                if ticket.partner_id:
                    ticket._message_add_suggested_recipient(
                        recipients, partner=ticket.partner_id, reason=_('Customer'))
                elif ticket.partner_email:
                    ticket._message_add_suggested_recipient(
                        recipients, email=ticket.partner_email, reason=_('Customer Email'))
        except UserError:  # no read access to the partner
            pass
        return recipients

    def _phone_get_number_fields(self):
        return ['partner_phone']

    def _send_stage_messages(self):
        """Email and text the customer of tickets that just entered a stage carrying templates.

        The email is a public comment: the customer gets it with the access button, sees it on the portal,
        and agents see what was sent. A rating request (a template rendering a rating token) goes through
        Odoo's rating flow instead, private to the customer, and only for teams that use ratings.
        Nothing is sent under ``tracking_disable`` (an import, by default), like every mail.thread post.
        """
        if self.env.context.get('tracking_disable'):
            return
        for stage, tickets in self.grouped('stage_id').items():
            if not stage.template_id and not stage.sms_template_id:
                continue
            for own_ticket, group in tickets.grouped(lambda t: t.partner_id == self.env.user.partner_id).items():
                # a customer creating or moving their own ticket (portal, form) still gets the message
                group = group.with_context(mail_notify_author=own_ticket)
                if stage.template_id:
                    group._send_stage_email(stage.template_id)
                if stage.sms_template_id:
                    group._send_stage_sms(stage.sms_template_id)

    def _send_stage_email(self, template):
        tickets = self.filtered(lambda t: t.partner_id or t.partner_email)
        if self._is_rating_template(template):
            tickets.filtered(lambda t: t.team_id.use_rating and t.partner_id).rating_send_request(
                template, force_send=False)
        elif tickets:
            tickets.message_post_with_source(template, message_type='comment', subtype_xmlid='mail.mt_comment')

    def _send_stage_sms(self, template):
        """Queue one SMS per ticket with a number (its own, else its customer's); the SMS cron sends them."""
        tickets = self.filtered(lambda t: t.partner_phone or t.partner_id.mobile or t.partner_id.phone)
        bodies = template._render_field('body', tickets.ids, compute_lang=True)
        for ticket in tickets:
            ticket._message_sms(bodies[ticket.id], put_in_queue=True)

    @api.model
    def _is_rating_template(self, template):
        """A template asking for a rating: it renders a rating token (as helpdesk_ce.mail_template_ticket_rating)."""
        return '_rating_get_access_token' in (template.body_html or '')

    def _track_subtype(self, init_values):
        self.ensure_one()
        if 'stage_id' in init_values:
            return self.env.ref('helpdesk_ce.mt_ticket_stage')
        return super()._track_subtype(init_values)
