import logging
import re
import uuid
from datetime import timedelta

import psycopg2.errors

from odoo import SUPERUSER_ID, _, api, fields, models, tools
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, consteq

from . import ticket_similarity
from .record_rules import filter_read_access_in_sql, searched_readable

_logger = logging.getLogger(__name__)

DUPLICATE_THRESHOLD_PARAM = 'helpdesk_ce.duplicate_similarity_threshold'
DUPLICATE_THRESHOLD_DEFAULT = 60

# A ticket reference between brackets in a mail subject, e.g. "Re: [HD00042] Printer on fire"
TICKET_REF_SUBJECT_RE = re.compile(r'\[([A-Za-z0-9/_-]{2,32})\]')

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

# an event this close to the ticket's creation happened with it (e.g. assigned on creation): 0 working hours
INSTANT = timedelta(minutes=1)
# the addresses in copy of a new ticket's mail that follow it, at most
MAIL_MAX_CC = 10

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
    _sql_constraints = [
        # existing databases: migrations renumber duplicates first (upgrades.renumber_duplicate_ticket_refs)
        ('ticket_ref_company_uniq', 'unique(company_id, ticket_ref)', "A ticket reference must be unique per company."),
    ]

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
        default=lambda self: self._default_team_id())
    # stored computed fields are precomputed: a new ticket is inserted complete, never updated right after
    company_id = fields.Many2one(related='team_id.company_id', precompute=True, store=True, index=True, readonly=True)
    stage_id = fields.Many2one(
        'helpdesk.stage', compute='_compute_stage_id', precompute=True, store=True, readonly=False,
        index=True, tracking=True, copy=False, ondelete='restrict',
        domain="[('team_ids', '=', team_id)]", group_expand='_read_group_stage_ids')
    user_id = fields.Many2one(
        'res.users', 'Assigned to', index=True, tracking=True,
        domain=lambda self: self.env['res.users']._helpdesk_agent_domain())
    partner_id = fields.Many2one('res.partner', 'Customer', index=True, tracking=True)
    partner_name = fields.Char(
        'Customer Name', compute='_compute_partner_info', precompute=True, store=True, readonly=False)
    partner_email = fields.Char(
        'Customer Email', compute='_compute_partner_info', precompute=True, store=True, readonly=False)
    partner_phone = fields.Char(
        'Customer Phone', compute='_compute_partner_info', precompute=True, store=True, readonly=False)
    # searched off helpdesk_ticket_priority_id_index (priority, then id: the lists' order)
    priority = fields.Selection(TICKET_PRIORITIES, default='0', required=True, tracking=True)
    tag_ids = fields.Many2many('helpdesk.tag', string='Tags')
    category_id = fields.Many2one('helpdesk.ticket.category', index=True)
    color = fields.Integer('Color Index')
    is_closed = fields.Boolean(
        'Closed', compute='_compute_is_closed', precompute=True, store=True, index=True,
        help="The ticket is in a folded stage.")
    close_date = fields.Datetime('Closed On', compute='_compute_close_date', precompute=True, store=True, copy=False)
    assign_date = fields.Datetime(
        'First Assignment', compute='_compute_assign_dates', precompute=True, store=True, copy=False,
        help="When the ticket was first given to an agent; reassignments keep it.")
    last_assign_date = fields.Datetime(
        'Last Assignment', compute='_compute_assign_dates', precompute=True, store=True, copy=False,
        help="When the ticket was last given to an agent: automatic assignment spreads tickets by it.")
    # merge and conversion
    merged_into_id = fields.Many2one(
        'helpdesk.ticket', index='btree_not_null', readonly=True, copy=False,
        help="The ticket this one was merged into.")
    merged_ticket_ids = fields.One2many(
        'helpdesk.ticket', 'merged_into_id', 'Merged Tickets', context={'active_test': False})
    merged_ticket_count = fields.Integer(compute='_compute_merged_ticket_count')
    merged_into_ref = fields.Char(
        'Merged Into Reference', compute='_compute_merged_into_ref', compute_sudo=True,
        help="Reference of the ticket this one finally went into, following merges of merged tickets.")
    duplicate_ticket_count = fields.Integer('Possible Duplicates', compute='_compute_duplicate_ticket_count')
    lead_id = fields.Many2one('crm.lead', index='btree_not_null', readonly=True, copy=False,
                              help="The lead or opportunity this ticket was converted into.")
    lead_conversion_type = fields.Selection(
        [('lead', 'Lead'), ('opportunity', 'Opportunity')], compute='_compute_lead_conversion_type',
        help="What the current user converts tickets into: nothing without sales rights, leads when CRM uses them.")

    date_last_stage_update = fields.Datetime(
        'Last Stage Update', compute='_compute_date_last_stage_update', precompute=True, store=True, index=True,
        copy=False)
    kanban_state = fields.Selection(
        KANBAN_STATES, compute='_compute_kanban_state', precompute=True, store=True, readonly=False,
        copy=False, help="Reset to In Progress when the ticket changes stage.")
    # the stage's labels of the kanban states, for the lists' and cards' tooltips
    legend_normal = fields.Char('Grey Kanban Label', compute='_compute_legends')
    legend_done = fields.Char('Green Kanban Label', compute='_compute_legends')
    legend_blocked = fields.Char('Red Kanban Label', compute='_compute_legends')

    # SLA (the clock itself lives in helpdesk.sla.status)
    sla_status_ids = fields.One2many('helpdesk.sla.status', 'ticket_id', string='SLA Policies', copy=False)
    sla_deadline = fields.Datetime(
        'SLA Deadline', compute='_compute_sla_deadline', precompute=True, store=True, index='btree_not_null',
        help="The earliest deadline of the SLA policies still running (empty while their clock is stopped).")
    sla_fail = fields.Boolean('Failed SLA Policy', compute='_compute_sla_fail', precompute=True, store=True, index=True)
    sla_overdue = fields.Boolean(
        'SLA Overdue', compute='_compute_sla_overdue', search='_search_sla_overdue',
        help="An open ticket with an SLA target not yet reached whose deadline has passed.")
    # reporting: measured once, when each event happens, in working hours of the team's calendar
    first_response_date = fields.Datetime(
        'First Response', readonly=True, copy=False, help="The first public reply of an agent.")
    # reminders (see helpdesk.team._cron_send_reminders)
    last_agent_reply_date = fields.Datetime(
        'Last Agent Reply', readonly=True, copy=False, help="The last public reply of an agent.")
    reminder_date = fields.Datetime(  # cleared by an agent's public reply or a stage change
        'Assignee Reminded On', compute='_compute_reminder_date', precompute=True, store=True, readonly=False,
        copy=False)
    customer_reminder_date = fields.Datetime(  # cleared by a stage change
        'Customer Reminded On', compute='_compute_customer_reminder_date', precompute=True, store=True,
        readonly=False, copy=False)
    assign_hours = fields.Float(
        'Working Hours to Assign', compute='_compute_assign_hours', precompute=True, store=True, copy=False,
        group_operator='avg')
    close_hours = fields.Float(
        'Working Hours to Close', compute='_compute_close_hours', precompute=True, store=True, copy=False,
        group_operator='avg')
    first_response_hours = fields.Float(
        'Working Hours to First Response', compute='_compute_first_response_hours', precompute=True, store=True,
        copy=False,
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

    @api.depends('stage_id.legend_normal', 'stage_id.legend_done', 'stage_id.legend_blocked')
    def _compute_legends(self):
        """Set per stage, not per ticket (as related fields would): a list page shows 80 tickets of a few stages."""
        for stage, tickets in self.grouped('stage_id').items():
            stage = stage.sudo()
            tickets.legend_normal = stage.legend_normal
            tickets.legend_done = stage.legend_done
            tickets.legend_blocked = stage.legend_blocked

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
    def _compute_assign_dates(self):
        """Each assignment moves the last date; the first one stays (unassigning keeps both)."""
        now = fields.Datetime.now()
        for ticket in self:
            if ticket.user_id:
                ticket.assign_date = ticket.assign_date or now
                ticket.last_assign_date = now
            else:
                ticket.assign_date = ticket.assign_date
                ticket.last_assign_date = ticket.last_assign_date

    def _compute_merged_ticket_count(self):
        counts = dict(self.with_context(active_test=False)._read_group(
            [('merged_into_id', 'in', self.ids)], ['merged_into_id'], ['__count']))
        for ticket in self:
            ticket.merged_ticket_count = counts.get(ticket, 0)

    @api.depends('merged_into_id')
    def _compute_merged_into_ref(self):
        for ticket in self:
            ticket.merged_into_ref = ticket.merged_into_id and ticket._get_merge_target().ticket_ref

    @api.depends_context('uid')
    def _compute_lead_conversion_type(self):
        user = self.env.user
        conversion = False
        if user.has_group('sales_team.group_sale_salesman'):
            conversion = 'lead' if user.has_group('crm.group_use_lead') else 'opportunity'
        self.lead_conversion_type = conversion

    def _compute_duplicate_ticket_count(self):
        for ticket in self:
            ticket.duplicate_ticket_count = len(ticket._get_possible_duplicates())

    @api.depends('stage_id')
    def _compute_date_last_stage_update(self):
        self.date_last_stage_update = fields.Datetime.now()

    @api.depends('stage_id', 'last_agent_reply_date')
    def _compute_reminder_date(self):
        """An agent acted: the next pending period may be reminded again."""
        self.reminder_date = False

    @api.depends('stage_id')
    def _compute_customer_reminder_date(self):
        self.customer_reminder_date = False

    @api.depends('stage_id')
    def _compute_kanban_state(self):
        self.kanban_state = 'normal'

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
        """Working hours from creation to the event, one calendar fetch for the whole batch. An event of
        the creation itself (assigned on creation) takes no time: no calendar to read."""
        timed = self.filtered(lambda t: t[date_field] and t.create_date
                              and t[date_field] - t.create_date > INSTANT)
        (self - timed)[hours_field] = 0.0
        hours = self.env['helpdesk.sla.status']._work_hours(
            [(ticket, ticket.create_date, ticket[date_field]) for ticket in timed])
        for ticket, value in zip(timed, hours):
            ticket[hours_field] = value

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for ticket in self:
            ticket.access_url = '/my/tickets/%s' % ticket.id
        return res

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
        res = super().init()
        # the dashboard graph counts the tickets opened and closed in the last days
        for fname in ('create_date', 'close_date'):
            tools.create_index(self.env.cr, 'helpdesk_ticket_%s_index' % fname, self._table, [fname])
        # lists are read in _order: the first page is read off this index, not sorted out of every ticket
        tools.create_index(self.env.cr, 'helpdesk_ticket_priority_id_index', self._table, ['priority DESC', 'id DESC'])
        # the lists count a team's tickets, or all of them, with the visibility rule, which reads their team and
        # id: counted off this index (index-only) rather than off the table's wide rows
        tools.create_index(self.env.cr, 'helpdesk_ticket_team_count_index', self._table,
                           ['team_id', 'company_id', 'id'], where='active')
        return res

    @api.model_create_multi
    def create(self, vals_list):
        without_ref = [vals for vals in vals_list if not vals.get('ticket_ref') or vals['ticket_ref'] == _('New')]
        for vals, ref in zip(without_ref, self._next_ticket_refs(len(without_ref))):
            vals['ticket_ref'] = ref
        self.env['helpdesk.ticket.category']._route_ticket_vals(vals_list)
        # what a creation reads of the customers (copied, compared by assignment) and of the creator (follower,
        # author, company), not their whole rows; nothing when the request has them already
        customer_ids = {vals['partner_id'] for vals in vals_list if type(vals.get('partner_id')) is int}  # not False
        self.env['res.partner'].sudo().browse(customer_ids).fetch(['name', 'email', 'phone', 'mobile'])
        self.env.user.fetch(['active', 'partner_id', 'company_id'])
        deferred = self._auto_assign_values(vals_list)
        for vals in vals_list:
            # with the insert, not by one write per ticket when a mail first links to it
            vals.setdefault('access_token', str(uuid.uuid4()))
        # the assignee is notified and the acknowledgement sent by jobs: nothing is rendered in the request;
        # mail subscribes record by record: a batch's customers follow afterwards, one insertion per customer
        batch = len(vals_list) > 1
        ticket_ctx = self._defer_assignee_notification(vals_list).with_context(
            mail_notify_force_send=False, helpdesk_customer_follows_later=batch, helpdesk_creating=True,
            # mail subscribes the creator, when active, before anyone else (mail.thread.create)
            helpdesk_creating_without_followers=(
                self.env.context.get('mail_create_nosubscribe') or not self.env.user.active),
            mail_create_nolog=True)
        tickets = super(HelpdeskTicket, ticket_ctx).create(vals_list).with_env(self.env)
        if not self.env.context.get('mail_create_nolog') and not self.env.context.get('tracking_disable'):
            tickets.with_context(helpdesk_creating=True)._message_log_creation()
        # a new ticket has no rating: nothing to look up at the flush
        self.env.remove_to_compute(self._fields['rating_last_value'], tickets)
        tracking_disable = self.env.context.get('tracking_disable')
        if batch or tracking_disable:
            tickets._subscribe_team_and_customer(team=tracking_disable)
        if deferred:
            self.env['helpdesk.team']._assign_after_commit(tickets.filtered(lambda t: not t.user_id))
        self.env['helpdesk.sla.status']._apply_to_tickets(tickets)
        return tickets

    def write(self, vals):
        vals = dict(vals)
        Category = self.env['helpdesk.ticket.category']
        if vals.get('category_id') and Category._route_ticket_vals([vals]) and 'user_id' not in vals:
            Category.browse(vals['category_id'])._release_rerouted_tickets(self)
        stages_before = {t.id: t.stage_id for t in self} if {'stage_id', 'team_id'} & set(vals) else None
        if 'partner_id' in vals:
            # the links sent to the former customer stop working
            self.filtered(lambda t: t.partner_id.id != vals['partner_id'])._portal_rotate_token()
        if 'user_id' in vals:
            vals['assignee_to_notify'] = False  # mail notifies the new assignee now
        res = super().write(vals)
        if self.env.context.get('tracking_disable') and ('team_id' in vals or 'partner_id' in vals):
            self._subscribe_team_and_customer(customer='partner_id' in vals, team='team_id' in vals)
        if ('team_id' in vals or 'category_id' in vals) and 'user_id' not in vals:
            self.env['helpdesk.team']._auto_assign_tickets(self)
        if stages_before is not None:
            moved = self.filtered(lambda t: t.stage_id != stages_before[t.id])
            # the first stage's messages (the acknowledgement) before the new stage's
            moved.filtered('stage_messages_to_send')._send_pending_stage_messages(stages_before)
            moved._send_stage_messages()
        self._sla_after_write(vals)
        return res

    @api.onchange('category_id')
    def _onchange_category_id(self):
        """The form shows the team the category routes to before saving."""
        if self.category_id.team_id:
            self.team_id = self.category_id.team_id

    @api.model
    def _next_ticket_refs(self, count):
        """References for a batch in one query where the sequence allows it (standard, no date ranges): the
        query finds the company's sequence (else the shared one), reads how to format its numbers and draws
        them from its PostgreSQL sequence (named as ir.sequence names it, ``ir_sequence_%03d``)."""
        if not count:
            return []
        self.env['ir.sequence'].flush_model()
        self.env.cr.execute(SQL("""
            SELECT seq.id, seq.prefix, seq.suffix, seq.padding, CASE
                   WHEN seq.implementation = 'standard' AND seq.use_date_range IS NOT TRUE THEN ARRAY(
                       SELECT nextval(('ir_sequence_' || lpad(seq.id::text, GREATEST(3, length(seq.id::text)), '0'))
                                      ::regclass)
                         FROM generate_series(1, %(count)s))
                   END
              FROM (SELECT id, prefix, suffix, padding, implementation, use_date_range FROM ir_sequence
                     WHERE code = 'helpdesk.ticket' AND active AND (company_id = %(company)s OR company_id IS NULL)
                     ORDER BY company_id NULLS LAST LIMIT 1) seq""", count=count, company=self.env.company.id))
        row = self.env.cr.fetchone()
        if not row:
            return [False] * count  # no reference rather than the same one for every ticket
        seq_id, prefix, suffix, padding, numbers = row
        sequence = self.env['ir.sequence'].sudo().browse(seq_id)
        if numbers is None:
            return [sequence._next() for _i in range(count)]
        # what get_next_char formats with, as the query read it
        for fname, value in (('prefix', prefix), ('suffix', suffix), ('padding', padding)):
            self.env.cache.update(sequence, sequence._fields[fname], [value])
        return [sequence.get_next_char(number) for number in numbers]

    def _sla_after_write(self, vals):
        """Any write fails overdue statuses; matching fields match the policies again; a stage moves the clock."""
        now = fields.Datetime.now()
        self.filtered(lambda t: t.sla_deadline and t.sla_deadline < now).sudo().sla_status_ids._fail_overdue(now)
        if any(fname in vals for fname in SLA_MATCH_FIELDS):
            self.env['helpdesk.sla.status']._apply_to_tickets(self)
        if 'stage_id' in vals or 'team_id' in vals:
            self.sudo().sla_status_ids._sync_with_stage()

    @api.model
    def _lock_skip_locked(self, records):
        """Lock the rows of ``records`` until the transaction ends, skipping those another transaction holds;
        returns the locked ones. For jobs that may run on several servers at once: what one run holds, the
        other leaves alone. A row changed by a transaction committed since our snapshot fails PostgreSQL's
        repeatable read: the whole batch is then left for the next run.
        """
        if not records:
            return records
        records.flush_recordset()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(SQL(
                    "SELECT id FROM %s WHERE id IN %s ORDER BY id FOR NO KEY UPDATE SKIP LOCKED",
                    SQL.identifier(records._table), tuple(records.ids)))
                locked = {row[0] for row in self.env.cr.fetchall()}
        except psycopg2.errors.SerializationFailure:
            _logger.info("%s: %s records changed meanwhile, left for the next run", records._name, len(records))
            return records.browse()
        return records.filtered(lambda record: record.id in locked)

    def _subscribe_team_and_customer(self, customer=True, team=True):
        """The customer follows their ticket; the team's "follow all" followers follow its tickets, to be notified.

        Team members are not subscribed: the record rules give them access. The team's followers (internal
        partners only: mail.followers refuses share partners on a team) follow its tickets through Odoo's parent
        subtypes (mt_team_ticket_*, relation field team_id), with the ticket subtypes matching what they chose
        on the team. mail.thread does both on create and write (see ``_message_auto_subscribe_followers``),
        except under tracking_disable: then this does.
        """
        trusted = self.with_context(helpdesk_subscribe_trusted=True)
        if customer:
            for partner, tickets in trusted.filtered('partner_id').grouped('partner_id').items():
                if self.env.context.get('helpdesk_mail_gateway'):
                    tickets = tickets.filtered(lambda t: t._mail_gateway_may_follow(partner))
                tickets.message_subscribe(partner_ids=partner.ids)
        if team and self.env.context.get('tracking_disable'):
            for team_rec, tickets in trusted.grouped('team_id').items():
                tickets._message_auto_subscribe({'team_id': team_rec.id})

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_assign_to_me(self):
        if not self.env.user.has_group('helpdesk_ce.group_helpdesk_user_own'):
            raise UserError(_("Only helpdesk agents can take tickets."))
        self.write({'user_id': self.env.uid})

    def action_open_merge(self):
        """Merge wizard for these tickets; one ticket alone brings its possible duplicates along."""
        tickets = self
        if len(self) == 1:
            tickets |= self._get_possible_duplicates()
        tickets._merge_check()
        action = self.env['ir.actions.act_window']._for_xml_id('helpdesk_ce.helpdesk_ticket_merge_action')
        action['context'] = {'default_ticket_ids': tickets.ids}
        return action

    def action_open_mark_duplicate(self):
        """Mark this ticket as a duplicate: the user picks the original, into which this ticket is merged.

        The oldest possible duplicate created before this ticket is offered as the original.
        """
        self.ensure_one()
        self.check_access_rights('write')
        self.check_access_rule('write')
        if self.merged_into_id:
            raise UserError(_("This ticket was already merged into %s.", self.merged_into_ref))

        def age(ticket):
            return ticket.create_date, ticket.id
        original = self._get_possible_duplicates().filtered(lambda t: age(t) < age(self)).sorted(age)[:1]
        action = self.env['ir.actions.act_window']._for_xml_id('helpdesk_ce.helpdesk_ticket_mark_duplicate_action')
        action['context'] = {
            'default_ticket_ids': self.ids, 'default_mark_duplicate': True, 'default_target_ticket_id': original.id,
        }
        return action

    def action_open_duplicates(self):
        self.ensure_one()
        tickets = self | self._get_possible_duplicates()
        return {
            'type': 'ir.actions.act_window',
            'name': _("Possible Duplicates of %s", self.ticket_ref),
            'res_model': 'helpdesk.ticket',
            'view_mode': 'tree,form',
            'views': [(False, 'list'), (False, 'form')],
            'domain': [('id', 'in', tickets.ids)],
            'context': {'create': False},
        }

    def action_open_merged_tickets(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': _("Merged Tickets"),
            'res_model': 'helpdesk.ticket',
            'view_mode': 'tree,form',
            'views': [(False, 'list'), (False, 'form')],
            'domain': [('merged_into_id', '=', self.id), ('active', 'in', [True, False])],
            'context': {'create': False},
        }

    def action_open_convert_lead(self):
        self.ensure_one()
        if not self.env.user.has_group('sales_team.group_sale_salesman'):
            raise AccessError(_("Only salespeople can convert tickets into leads or opportunities."))
        use_lead = self.lead_conversion_type == 'lead'
        return {
            'type': 'ir.actions.act_window',
            'name': _("Convert to Lead") if use_lead else _("Convert to Opportunity"),
            'res_model': 'helpdesk.ticket.convert.lead',
            'view_mode': 'form',
            'views': [(False, 'form')],
            'target': 'new',
            'context': {'default_ticket_id': self.id, 'default_lead_type': 'lead' if use_lead else 'opportunity'},
        }

    def action_open_lead(self):
        self.ensure_one()
        return self.lead_id.redirect_lead_opportunity_view()

    # ------------------------------------------------------------
    # Merge: similarity, duplicates, merged tickets
    # ------------------------------------------------------------

    def _get_similarity(self, reference):
        """How alike each ticket of self is to `reference`, 0-100: {ticket id: score}.

        pg_trgm does it in the database; without the extension, Python does it on these tickets only.
        """
        tickets = self | reference
        if not self:
            return {}
        if self.env.registry.has_trigram:
            self.flush_model(['name', 'description', 'partner_id', 'partner_email', 'partner_name'])
            self.env.cr.execute(ticket_similarity.SIMILARITY_SQL, {
                'ids': tickets.ids, 'reference': reference.id, 'length': ticket_similarity.DESCRIPTION_LENGTH})
            return {row[0]: ticket_similarity.combine(*row[1:]) for row in self.env.cr.fetchall()
                    if row[0] in self.ids}
        reference_parts = ticket_similarity.ticket_parts(reference)
        return {
            ticket.id: ticket_similarity.combine(
                *ticket_similarity.python_components(ticket_similarity.ticket_parts(ticket), reference_parts))
            for ticket in self
        }

    @api.model
    def _get_duplicate_threshold(self):
        """Subject similarity (1-100) from which an open ticket counts as a possible duplicate."""
        value = self.env['ir.config_parameter'].sudo().get_param(DUPLICATE_THRESHOLD_PARAM, DUPLICATE_THRESHOLD_DEFAULT)
        try:
            return min(max(int(value), 1), 100)
        except (TypeError, ValueError):
            return DUPLICATE_THRESHOLD_DEFAULT

    def _get_possible_duplicates(self):
        """Other open tickets of the company with the same customer or a similar subject, that the user may see.

        Needs pg_trgm (the trigram index on the subject makes it fast); without it the hint stays hidden.
        """
        self.ensure_one()
        ticket = self._origin
        if not ticket or not self.env.registry.has_trigram:
            return self.browse()
        self.flush_model(['name', 'partner_id', 'active', 'is_closed', 'company_id'])
        # `%` is similarity() >= pg_trgm.similarity_threshold, answered from the trigram index on the subject;
        # the threshold is set for this transaction only
        self.env.cr.execute("""
            SELECT set_config('pg_trgm.similarity_threshold', %(threshold)s, true);
            SELECT id FROM helpdesk_ticket
             WHERE id != %(id)s AND active AND is_closed IS NOT TRUE AND company_id = %(company)s
               AND (partner_id = %(partner)s OR name %% %(name)s)
             LIMIT 1000
        """, {'id': ticket.id, 'company': ticket.company_id.id, 'partner': ticket.partner_id.id or 0,
              'name': ticket.name or '', 'threshold': str(self._get_duplicate_threshold() / 100.0)})
        ids = [row[0] for row in self.env.cr.fetchall()]
        return self.search([('id', 'in', ids)]) if ids else self.browse()

    def _get_merge_target(self):
        """The ticket this one finally went into, following merges of merged tickets; itself if not merged."""
        self.ensure_one()
        ticket, seen = self.sudo(), set()
        while ticket.merged_into_id and ticket.id not in seen:
            seen.add(ticket.id)
            ticket = ticket.merged_into_id
        return ticket.with_env(self.env)

    # ------------------------------------------------------------
    # Mail, portal and rating
    # ------------------------------------------------------------

    def _message_post_after_hook(self, message, msg_vals):
        res = super()._message_post_after_hook(message, msg_vals)
        if self._is_agent_public_reply(message):
            self.sudo().last_agent_reply_date = message.date
            if not self.first_response_date:
                self.sudo().first_response_date = message.date
                self.sudo().sla_status_ids.filtered(lambda s: s.target_type == 'first_response')._reach(message.date)
        return res

    def _is_agent_public_reply(self, message):
        """A public reply written by a helpdesk agent to someone else: not a note, not an automatic (template)
        email, not OdooBot, not the customer (an employee filing their own ticket opens it, not answers it)."""
        if self.env.context.get('helpdesk_stage_template') or message.message_type not in ('comment', 'email'):
            return False
        # the customer's own mails and replies first: they are most messages, and need no more reading
        author = message.author_id
        if not author or author == self.partner_id \
                or author.id == self.env['ir.model.data']._xmlid_to_res_id('base.partner_root'):
            return False
        if not message.subtype_id or message.subtype_id.internal or message.is_internal:
            return False
        users = author.sudo().with_context(active_test=False).user_ids
        return any(
            not user.share and user.id != SUPERUSER_ID and user.has_group('helpdesk_ce.group_helpdesk_user_own')
            for user in users)

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
        except UserError:  # no read access to the partner: no suggestion, as crm.lead does it
            _logger.debug("No suggested recipients on %s: the customer is not readable", self)
        return recipients

    def _phone_get_number_fields(self):
        return ['partner_phone']

    def _creation_subtype(self):
        """Posted at creation: the team's followers (Ticket Created on the team) hear of new tickets."""
        return self._subtype('helpdesk_ce.mt_ticket_new')

    def _subtype(self, xmlid):
        """A subtype of the module from the cached xmlids (env.ref checks it exists: a query per creation)."""
        return self.env['mail.message.subtype'].browse(self.env['ir.model.data']._xmlid_to_res_id(xmlid))

    @api.model
    def web_search_read(self, domain, specification, offset=0, limit=None, order=None, count_limit=None):
        """As Odoo's, except that reading the page's tickets does not check the rules that found them again (nor
        the rules of their SLA statuses, which are the tickets' own: the x2many fields are read afterwards)."""
        columns = [fname for fname in specification if fname not in self._fields or self._fields[fname].column_type]
        records = self.search_fetch(domain, columns, offset=offset, limit=limit, order=order)
        with searched_readable(records):
            values_records = records.web_read(specification)
        return self._format_web_search_read_results(domain, values_records, offset, limit, count_limit)

    def _filter_access_rules_python(self, operation):
        """Reading the tickets of a list page: the visibility rule in SQL, not over each row's followers."""
        allowed = filter_read_access_in_sql(self, operation)
        return super()._filter_access_rules_python(operation) if allowed is None else allowed

    def _track_subtype(self, init_values):
        self.ensure_one()
        if 'stage_id' in init_values:
            return self._subtype('helpdesk_ce.mt_ticket_stage')
        return super()._track_subtype(init_values)

    # ------------------------------------------------------------
    # Portal
    # ------------------------------------------------------------

    def _portal_closing_stage(self):
        """Where a customer's "Close ticket" leads: the first folded stage of the team."""
        self.ensure_one()
        return self.team_id.stage_ids.filtered('fold')[:1]

    def _portal_can_close(self):
        """Open, active tickets of teams that allow it: an archived (merged) ticket is closed through its target."""
        self.ensure_one()
        return bool(self.active and not self.merged_into_id and self.team_id.allow_portal_ticket_closing
                    and not self.is_closed and self._portal_closing_stage())

    def _portal_close(self, author):
        """Close at the customer's request; callers check access first."""
        if not all(ticket._portal_can_close() for ticket in self):
            raise UserError(_("This ticket cannot be closed from the portal."))
        for ticket in self:
            ticket.stage_id = ticket._portal_closing_stage()
            # a token holder who is logged in must not become a follower (followers read the ticket for good)
            ticket.with_context(mail_create_nosubscribe=True).message_post(
                body=_("The customer closed the ticket."), author_id=author.id,
                message_type='comment', subtype_xmlid='mail.mt_comment')

    def _portal_token_allowed(self):
        """An access token opens a ticket only while it is active and its team public: a private or company
        team's tickets are not for the portal, and a merged ticket lives on in the one it went into."""
        self.ensure_one()
        ticket = self.sudo()
        return bool(ticket.active and ticket.team_id.privacy_visibility == 'portal')

    def _portal_check_token(self, token):
        """Whether ``token`` opens this ticket (constant time; any input, never an error)."""
        self.ensure_one()
        ticket = self.sudo()
        if not isinstance(token, str) or not token or not ticket.access_token or not self._portal_token_allowed():
            return False
        return consteq(ticket.access_token.encode(), token.encode('utf-8', 'replace'))

    def _portal_rotate_token(self):
        """New tokens for the tickets that had one: the links and signed hashes already sent stop working."""
        if not self.ids:
            return
        self.flush_model(['access_token'])
        self.env.cr.execute(SQL(
            "UPDATE helpdesk_ticket SET access_token = gen_random_uuid()::text"
            " WHERE id IN %s AND access_token IS NOT NULL",
            tuple(self.ids)))
        self.invalidate_recordset(['access_token'])

    def _notify_get_recipients_groups(self, message, model_description, msg_vals=None):
        """The customer's button carries the access token only where a token may open the ticket."""
        groups = super()._notify_get_recipients_groups(message, model_description, msg_vals=msg_vals)
        if self and not self[:1]._portal_token_allowed():
            groups = [group for group in groups if group[0] != 'portal_customer']
        return groups

    # ------------------------------------------------------------
    # Mail gateway
    # ------------------------------------------------------------

    def _message_compute_subject(self):
        """Outgoing mails carry the reference, so that replies without headers still find the ticket."""
        self.ensure_one()
        return '[%s] %s' % (self.ticket_ref, self.name) if self.ticket_ref else self.name

    def _notify_get_reply_to(self, default=None):
        """Replies go to the team's alias, back through the gateway."""
        team_aliases = self.sudo().team_id._notify_get_reply_to(default=default)
        res = {ticket.id: team_aliases.get(ticket.team_id.id) for ticket in self}
        leftover = self.filtered(lambda ticket: not res.get(ticket.id))
        if leftover:
            res.update(super(HelpdeskTicket, leftover)._notify_get_reply_to(default=default))
        return res

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """A mail to a team alias: subject, body and sender make the ticket, the CC'ed people follow it.

        Mail is unauthenticated (anyone can write any From:): it never makes an internal user follow a private
        team's ticket, and only the first MAIL_MAX_CC addresses in copy follow.
        """
        if msg_dict.get('author_id'):
            customer = self.env['res.partner'].browse(msg_dict['author_id'])
        else:
            # the gateway looked the sender up already (mail.thread._routing_check_route) and found nobody
            looked_up = 'author_id' in msg_dict and self.env.context.get('helpdesk_mail_gateway')
            customer = self._find_or_create_partners([msg_dict.get('email_from') or ''], search=not looked_up)[0]
        if customer:
            # the message posted right after is then authored by the customer, who gets the replies
            msg_dict['author_id'] = customer.id
        values = {
            'name': msg_dict.get('subject') or _('No Subject'),
            'description': msg_dict.get('body'),
            'partner_id': customer.id,
        }
        values.update(custom_values or {})
        # the primary email (partner_email) is filled from email_from: keep it the customer's bare address
        email = customer.email or tools.email_normalize(msg_dict.get('email_from') or '') or msg_dict.get('email_from')
        ticket = super(HelpdeskTicket, self.with_context(default_user_id=False)).message_new(
            dict(msg_dict, email_from=email), custom_values=values)
        ticket._mail_gateway_subscribe_cc(msg_dict)
        # mail posts the mail on the new ticket next, by its customer, who follows it already (or may not, see
        # _mail_gateway_may_follow): mail need not subscribe them again
        return ticket.with_env(self.env).with_context(helpdesk_customer_subscribed=True)

    @api.model
    def _find_or_create_partners(self, emails, search=True):
        """Partners for mail addresses, found by email or created; Odoo's own addresses give no partner.

        :param list emails: addresses, formatted or not ("Name <email>")
        :param bool search: False when nobody has these addresses (just looked up): create only
        :return list: res.partner records (empty when refused), in the order of ``emails``
        """
        own = self._mail_gateway_own_addresses()
        kept = [email for email in emails if tools.email_normalize(email, strict=False) not in own]
        if not kept:
            partners = []
        elif search:  # aliases are left out by the helper too
            partners = self.env['mail.thread']._mail_find_partner_from_emails(kept, force_create=True)
        else:  # as the helper creates them
            Partner = self.env['res.partner']
            normalized = [tools.email_normalize(email, strict=False) for email in kept]
            aliases = self._mail_alias_addresses(normalized)
            partners = [Partner.browse(Partner.name_create(email)[0]) if address and address not in aliases else Partner
                        for email, address in zip(kept, normalized)]
        found = dict(zip(kept, partners))
        return [found.get(email) or self.env['res.partner'] for email in emails]

    def _without_own_customer_address(self):
        """The tickets whose customer address is not one of the database's own (an alias, the catchall,
        bounce or notification address): an automatic email to one of those comes back through the gateway
        as a new ticket, which would be answered again."""
        addresses = {ticket: tools.email_normalize(ticket.partner_id.email or ticket.partner_email or '', strict=False)
                     for ticket in self}
        wanted = [address for address in set(addresses.values()) if address]
        if not wanted:
            return self
        own = self._mail_gateway_own_addresses() | self._mail_alias_addresses(wanted)
        return self.filtered(lambda ticket: addresses[ticket] not in own)

    @api.model
    def _mail_alias_addresses(self, addresses):
        """Which of these normalized addresses are aliases of the database."""
        addresses = [address for address in addresses if address]
        if not addresses:
            return set()
        return set(self.env['mail.alias'].sudo().search(
            [('alias_full_name', 'in', addresses)]).mapped('alias_full_name'))

    @api.model
    def _mail_gateway_own_addresses(self):
        """Catchall, bounce and notification addresses: never customers, never followers."""
        domains = self.env['mail.alias.domain'].sudo().search_fetch(
            [], ['catchall_email', 'bounce_email', 'default_from_email'])
        return set(filter(None, domains.mapped('catchall_email') + domains.mapped('bounce_email')
                          + domains.mapped('default_from_email')))

    def _mail_gateway_subscribe_cc(self, msg_dict):
        """The first addresses in copy of a new ticket's mail follow it (never an internal user in a private team)."""
        self.ensure_one()
        cc_emails = tools.email_split_and_format(msg_dict.get('cc') or '')[:MAIL_MAX_CC]
        if not cc_emails:
            return
        partners = self.env['res.partner'].concat(*self._find_or_create_partners(cc_emails))
        partners = partners.filtered(lambda p: self._mail_gateway_may_follow(p))
        if partners:
            self.with_context(helpdesk_subscribe_trusted=True).message_subscribe(partner_ids=partners.ids)

    def _message_subscribe(self, partner_ids=None, subtype_ids=None, customer_ids=None):
        """In the mail gateway, mail's own subscription of a message's author adds nobody but the ticket's customer:
        anyone can write any From: (and guess a Message-Id to reply to). Our intake code subscribes explicitly."""
        ctx = self.env.context
        if ctx.get('helpdesk_customer_subscribed') and len(self) == 1 \
                and set(partner_ids or ()) <= set(self.partner_id.ids):
            return True
        if partner_ids and ctx.get('helpdesk_mail_gateway') and not ctx.get('helpdesk_subscribe_trusted'):
            partners = self.env['res.partner'].sudo().browse(partner_ids)
            partner_ids = [
                partner.id for partner in partners
                if all(ticket.partner_id == partner and ticket._mail_gateway_may_follow(partner) for ticket in self)]
            if not partner_ids:
                return True
        return super()._message_subscribe(partner_ids=partner_ids, subtype_ids=subtype_ids, customer_ids=customer_ids)

    @api.model
    def _detect_loop_sender_domain(self, email_from_normalized):
        """The sender's recent tickets, for mail's loop detection: by their customer, found by normalized email
        (indexed), rather than by matching the address as text in every ticket of the period (mail's default
        for a primary email), which reads them all when many tickets arrive."""
        return [('partner_id.email_normalized', '=', email_from_normalized)]

    def _mail_gateway_may_follow(self, partner):
        """An unauthenticated mail may not give an internal user access to a private team's ticket."""
        self.ensure_one()
        return partner.partner_share or self.sudo().team_id.privacy_visibility != 'invited_internal'

    def _mail_gateway_is_known_sender(self, email_from):
        """The sender is the ticket's customer or one of its followers (compared by normalized email)."""
        self.ensure_one()
        sender = tools.email_normalize(email_from or '')
        if not sender:
            return False
        known = set((self.partner_id | self.message_partner_ids).mapped('email_normalized'))
        known.add(tools.email_normalize(self.partner_email or ''))
        return sender in known

    @api.model
    def _mail_gateway_ticket_from_subject(self, subject):
        """The ticket whose reference appears between brackets in a subject, if any."""
        refs = TICKET_REF_SUBJECT_RE.findall(subject or '')[:5]
        if not refs:
            return self.browse()
        refs += [ref.upper() for ref in refs]  # "[hd00042]" typed by hand
        return self.sudo().with_context(active_test=False).search([('ticket_ref', 'in', refs)], limit=1)

    def _mail_gateway_target(self):
        """The ticket that receives the mails addressed to this one.

        Hook: merging follows ``merged_into_id`` here, for replies by headers and by reference alike.
        """
        self.ensure_one()
        return self._get_merge_target()

    @api.model
    def _mail_gateway_reroute(self, message_dict, routes):
        """Reroute the gateway's routes that target tickets.

        - a new-ticket route whose subject carries a known reference, sent by that ticket's customer or a
          follower, becomes a reply to that ticket (anyone else still opens a new ticket);
        - replies go to the ticket given by ``_mail_gateway_target``.
        """
        result = []
        for route in routes:
            model, thread_id = route[0], route[1]
            if model == self._name:
                ticket = self.sudo().browse(thread_id).exists() if thread_id else self.browse()
                if not ticket:
                    referenced = self._mail_gateway_ticket_from_subject(message_dict.get('subject'))
                    if referenced and referenced._mail_gateway_is_known_sender(message_dict.get('email_from')):
                        ticket = referenced
                if ticket:
                    route = (model, ticket._mail_gateway_target().id) + tuple(route[2:])
            result.append(route)
        return result
