from odoo import SUPERUSER_ID, _, api, fields, models, tools
from odoo.exceptions import UserError

TICKET_PRIORITIES = [
    ('0', 'Low'),
    ('1', 'Medium'),
    ('2', 'High'),
    ('3', 'Urgent'),
]

# a change of any of these fields matches the SLA policies again
SLA_MATCH_FIELDS = ('team_id', 'priority', 'tag_ids', 'category_id', 'partner_id')


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

    # SLA (the clock itself lives in helpdesk.sla.status)
    sla_status_ids = fields.One2many('helpdesk.sla.status', 'ticket_id', string='SLA Policies', copy=False)
    sla_deadline = fields.Datetime(
        'SLA Deadline', compute='_compute_sla_deadline', store=True, index='btree_not_null',
        help="The earliest deadline of the SLA policies still running (empty while their clock is stopped).")
    sla_fail = fields.Boolean('Failed SLA Policy', compute='_compute_sla_fail', store=True, index=True)
    sla_overdue = fields.Boolean(
        'SLA Overdue', compute='_compute_sla_overdue', search='_search_sla_overdue',
        help="An open ticket with an SLA target not yet reached whose deadline has passed.")
    # reporting: measured once, when each event happens, in working hours of the team's calendar
    first_response_date = fields.Datetime(
        'First Response', readonly=True, copy=False, help="The first public reply of an agent.")
    assign_hours = fields.Float(
        'Working Hours to Assign', compute='_compute_assign_hours', store=True, copy=False, group_operator='avg')
    close_hours = fields.Float(
        'Working Hours to Close', compute='_compute_close_hours', store=True, copy=False, group_operator='avg')
    first_response_hours = fields.Float(
        'Working Hours to First Response', compute='_compute_first_response_hours', store=True, copy=False,
        group_operator='avg')

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

    @api.depends('sla_status_ids.deadline', 'sla_status_ids.status')
    def _compute_sla_deadline(self):
        for ticket in self:
            ticket.sla_deadline = min(
                (s.deadline for s in ticket.sla_status_ids if s.status == 'ongoing' and s.deadline), default=False)

    @api.depends('sla_status_ids.status')
    def _compute_sla_fail(self):
        for ticket in self:
            ticket.sla_fail = any(s.status == 'failed' for s in ticket.sla_status_ids)

    @api.depends('is_closed', 'sla_status_ids.deadline', 'sla_status_ids.reached_datetime')
    def _compute_sla_overdue(self):
        now = fields.Datetime.now()
        for ticket in self:
            ticket.sla_overdue = not ticket.is_closed and any(
                not s.reached_datetime and s.deadline and s.deadline < now for s in ticket.sla_status_ids)

    def _search_sla_overdue(self, operator, value):
        if operator not in ('=', '!=') or not isinstance(value, bool):
            raise UserError(_("Operation not supported"))
        domain = [('is_closed', '=', False), ('sla_status_ids', 'any', [
            ('reached_datetime', '=', False), ('deadline', '<', fields.Datetime.now())])]
        return domain if (operator == '=') == value else ['!', '&', *domain]

    @api.depends('assign_date')
    def _compute_assign_hours(self):
        self._compute_hours_since_creation('assign_date', 'assign_hours')

    @api.depends('close_date')
    def _compute_close_hours(self):
        self._compute_hours_since_creation('close_date', 'close_hours')

    @api.depends('first_response_date')
    def _compute_first_response_hours(self):
        self._compute_hours_since_creation('first_response_date', 'first_response_hours')

    def _compute_hours_since_creation(self, date_field, hours_field):
        """Working hours from creation to the event, one calendar fetch for the whole batch."""
        hours = self.env['helpdesk.sla.status']._work_hours(
            [(ticket, ticket.create_date, ticket[date_field]) for ticket in self])
        for ticket, value in zip(self, hours):
            ticket[hours_field] = value

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

    def init(self):
        super().init()
        # the dashboard graph counts the tickets opened and closed in the last days
        for fname in ('create_date', 'close_date'):
            tools.create_index(self.env.cr, 'helpdesk_ticket_%s_index' % fname, self._table, [fname])

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get('ticket_ref') or vals['ticket_ref'] == _('New'):
                vals['ticket_ref'] = self.env['ir.sequence'].sudo().next_by_code('helpdesk.ticket') or _('New')
        tickets = super().create(vals_list)
        tickets._subscribe_team_and_customer()
        self.env['helpdesk.sla.status']._apply_to_tickets(tickets)
        return tickets

    def write(self, vals):
        res = super().write(vals)
        if 'team_id' in vals or 'partner_id' in vals:
            self._subscribe_team_and_customer(customer='partner_id' in vals, team='team_id' in vals)
        self._sla_after_write(vals)
        return res

    def _sla_after_write(self, vals):
        """Any write fails overdue statuses; matching fields match the policies again; a stage moves the clock."""
        now = fields.Datetime.now()
        self.filtered(lambda t: t.sla_deadline and t.sla_deadline < now).sudo().sla_status_ids._fail_overdue(now)
        if any(fname in vals for fname in SLA_MATCH_FIELDS):
            self.env['helpdesk.sla.status']._apply_to_tickets(self)
        if 'stage_id' in vals or 'team_id' in vals:
            self.sudo().sla_status_ids._sync_with_stage()

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

    def _message_post_after_hook(self, message, msg_vals):
        res = super()._message_post_after_hook(message, msg_vals)
        if not self.first_response_date and self._is_agent_public_reply(message):
            self.sudo().first_response_date = message.date
            self.sudo().sla_status_ids.filtered(lambda s: s.target_type == 'first_response')._reach(message.date)
        return res

    def _is_agent_public_reply(self, message):
        """A public reply by a real agent: not a note, not an automatic (template) email, not OdooBot."""
        if self.env.context.get('helpdesk_stage_template') or message.message_type not in ('comment', 'email'):
            return False
        if not message.subtype_id or message.subtype_id.internal or message.is_internal:
            return False
        author = message.author_id
        if not author or author == self.env.ref('base.partner_root'):
            return False
        users = author.sudo().with_context(active_test=False).user_ids
        return any(not user.share and user.id != SUPERUSER_ID for user in users)

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

    def _track_subtype(self, init_values):
        self.ensure_one()
        if 'stage_id' in init_values:
            return self.env.ref('helpdesk_ce.mt_ticket_stage')
        return super()._track_subtype(init_values)
