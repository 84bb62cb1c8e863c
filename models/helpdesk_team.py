import itertools
import json
import logging
from ast import literal_eval
from collections import defaultdict, namedtuple
from datetime import datetime, time, timedelta
from functools import partial
from time import sleep

import psycopg2
import pytz
from markupsafe import Markup
from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL, email_normalize, split_every

from odoo.addons.http_routing.models.ir_http import slug

from .res_users import HELPDESK_AGENT_GROUP

PRIVACY_VISIBILITY = [
    ('invited_internal', 'Invited internal users (private)'),
    ('internal', 'All internal users (company)'),
    ('portal', 'Invited portal users and all internal users (public)'),
]

# Dashboard counters: name of the count field -> domain on tickets of the team. Only (field, '=', value)
# conditions on open tickets: the dashboard counts them on grouped rows (see _compute_ticket_counts).
TICKET_COUNTERS = {
    'open': [('is_closed', '=', False)],
    'unassigned': [('is_closed', '=', False), ('user_id', '=', False)],
    'urgent': [('is_closed', '=', False), ('priority', '=', '3')],
    'sla_failed': [('is_closed', '=', False), ('sla_fail', '=', True)],
}
DASHBOARD_DAYS = 7
# automatic closing: a longer period would never close anything, a huge one breaks the cron of every team
AUTO_CLOSE_MAX_DAYS = 3650
# what automatic assignment weighs of a ticket (a ticket, or the values of one being created)
AssignmentRequest = namedtuple('AssignmentRequest', ['team', 'category', 'partner_id', 'email', 'is_closed'])

INSIGHT_DAYS = (7, 30)  # the windows of the team cards' figures, in days

_logger = logging.getLogger(__name__)
_savepoint_ids = itertools.count()


def _group_value(value):
    """A grouped value as a domain compares it: records by id, empty ones as False."""
    return (value.id or False) if isinstance(value, models.BaseModel) else value


class HelpdeskTeam(models.Model):
    _name = 'helpdesk.team'
    _description = 'Helpdesk Team'
    _inherit = ['mail.thread', 'mail.alias.mixin', 'rating.parent.mixin']
    _order = 'sequence, name'
    _rating_satisfaction_days = 30

    def _default_stage_ids(self):
        """New teams start with the stages of the default workflow that still exist."""
        xmlids = ['stage_new', 'stage_in_progress', 'stage_waiting', 'stage_solved', 'stage_cancelled']
        stages = self.env['helpdesk.stage']
        for xmlid in xmlids:
            stages |= self.env.ref('helpdesk_ce.%s' % xmlid, raise_if_not_found=False) or stages.browse()
        return stages

    name = fields.Char(required=True, translate=True)
    description = fields.Html(translate=True, help="Shown to customers on the public ticket form.")
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    color = fields.Integer('Color Index')
    company_id = fields.Many2one(
        'res.company', required=True, index=True, default=lambda self: self.env.company)
    privacy_visibility = fields.Selection(
        PRIVACY_VISIBILITY, string='Visibility', required=True, default='portal', tracking=True,
        help="Who may see the team's tickets.\n"
             "- Private: only the team members, and the people following the team or the ticket.\n"
             "- Company: every helpdesk user of the company.\n"
             "- Public: every helpdesk user, and portal customers following their tickets.")
    member_ids = fields.Many2many(
        'res.users', 'helpdesk_team_member_rel', 'team_id', 'user_id', string='Team Members',
        domain=lambda self: [('groups_id', 'in', self.env['ir.model.data']._xmlid_to_res_id(HELPDESK_AGENT_GROUP)),
                             ('share', '=', False)],
        help="Agents who handle the team's tickets. Members of a private team see its tickets.")
    stage_ids = fields.Many2many(
        'helpdesk.stage', relation='helpdesk_team_stage_rel', column1='team_id', column2='stage_id',
        string='Stages', default=lambda self: self._default_stage_ids())
    resource_calendar_id = fields.Many2one(
        'resource.calendar', 'Working Hours', default=lambda self: self.env.company.resource_calendar_id,
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
        help="Working hours used to compute SLA deadlines and reporting durations.")

    # assignment
    auto_assignment = fields.Boolean(
        'Automatic Assignment',
        help="Give each new unassigned ticket to a team member (every helpdesk agent of the company when the "
             "team has no members), skipping people on time off.")
    assign_method = fields.Selection([
        ('randomly', 'Each user is assigned an equal number of tickets'),
        ('balanced', 'Each user has an equal number of open tickets'),
    ], string='Assignment Method', default='randomly', required=True)

    # channels and features
    use_website_helpdesk_form = fields.Boolean(
        'Website Form', compute='_compute_use_website_helpdesk_form', store=True, readonly=False,
        help="Customers and visitors submit tickets on the team's public page. A team offers its form when it "
             "becomes public (you may turn it off); only public teams have one.")
    website_form_url = fields.Char(
        'Form URL', compute='_compute_website_form_url', help="Address of the team's public ticket form.")
    use_rating = fields.Boolean('Customer Ratings')
    rating_publish = fields.Boolean('Publish Ratings', help="Show the team's ratings on a public page.")
    use_sla = fields.Boolean('SLA Policies', default=True)
    allow_portal_ticket_closing = fields.Boolean('Closure by Customers')
    auto_close_ticket = fields.Boolean('Automatic Closing')
    auto_close_day = fields.Integer('Inactive Period (days)', default=7)
    to_stage_id = fields.Many2one(
        'helpdesk.stage', 'Move to Stage', domain="[('id', 'in', stage_ids), ('fold', '=', True)]",
        compute='_compute_to_stage_id', store=True, readonly=False,
        help="Inactive tickets move to this stage. By default the team's first folded stage.")
    from_stage_ids = fields.Many2many(
        'helpdesk.stage', 'helpdesk_team_auto_close_stage_rel', 'team_id', 'stage_id',
        string='In Stages', domain="[('id', 'in', stage_ids), ('fold', '=', False)]")

    # reminders
    use_reminders = fields.Boolean(
        'Reminders', help="Remind the assignee of tickets left without an agent's public reply or a stage change.")
    reminder_hours = fields.Float(
        'Remind After', default=8,
        help="Working hours of the team's calendar without an agent's public reply or a stage change before "
             "the assignee gets one reminder activity.")
    customer_reminder = fields.Boolean(
        'Remind Customers', help="Email the customer once when their ticket waits for them in a chosen stage.")
    customer_reminder_stage_id = fields.Many2one(
        'helpdesk.stage', 'Waiting Stage', domain="[('id', 'in', stage_ids), ('fold', '=', False)]",
        help="The stage of tickets waiting for the customer: their assignee gets no reminder there.")
    customer_reminder_days = fields.Integer(
        'Days Waiting', default=3,
        help="Days in the waiting stage without any message before the customer gets one reminder email; "
             "automatic closing then counts its inactive period from that email.")
    customer_reminder_template_id = fields.Many2one(
        'mail.template', 'Reminder Email', domain=[('model', '=', 'helpdesk.ticket')],
        help="Sent to the customer; the default one when empty.",
        default=lambda self: self.env.ref('helpdesk_ce.mail_template_ticket_reminder', raise_if_not_found=False))

    follow_all_partner_ids = fields.Many2many(
        'res.partner', string="Follow All Team's Tickets", domain=[('partner_share', '=', False)],
        compute='_compute_follow_all_partner_ids', inverse='_inverse_follow_all_partner_ids',
        help="The team's followers (internal users only): they follow every ticket created in or moved into the "
             "team, to be notified. Members see the team's tickets without following them.")

    ticket_ids = fields.One2many('helpdesk.ticket', 'team_id', string='Tickets')
    open_ticket_count = fields.Integer(compute='_compute_ticket_counts')
    unassigned_ticket_count = fields.Integer(compute='_compute_ticket_counts')
    urgent_ticket_count = fields.Integer(compute='_compute_ticket_counts')
    my_ticket_count = fields.Integer(compute='_compute_ticket_counts')
    sla_failed_ticket_count = fields.Integer(compute='_compute_ticket_counts')
    dashboard_stage_data = fields.Text(
        compute='_compute_ticket_counts', help="Open tickets per stage, as JSON {stage id: count}.")
    dashboard_rating_avg = fields.Float(
        'Average Rating (7 days)', compute='_compute_dashboard_insight',
        help="Average of the ratings customers gave in the last 7 days (1 to 5); 0 without ratings.")
    dashboard_insight = fields.Text(
        compute='_compute_dashboard_insight',
        help="The team card's figures as JSON: open tickets per stage, resolution rate and average working hours "
             "to close over 7 and 30 days, SLA success and satisfaction rates over 30 days, and the user's own.")
    dashboard_graph_data = fields.Text(
        compute='_compute_dashboard_graph_data', help="Tickets opened and closed per day over the last 7 days.")
    sla_ids = fields.One2many('helpdesk.sla', 'team_id', string="Team's SLA Policies")

    @api.depends('privacy_visibility')
    def _compute_use_website_helpdesk_form(self):
        """Public teams offer their form by default; the others cannot have one (the page answers 404)."""
        for team in self:
            team.use_website_helpdesk_form = team.privacy_visibility == 'portal'

    @api.depends('name', 'privacy_visibility', 'use_website_helpdesk_form')
    def _compute_website_form_url(self):
        for team in self:
            team.website_form_url = team._origin.id and team.privacy_visibility == 'portal' \
                and team.use_website_helpdesk_form and '%s/helpdesk/%s' % (team.get_base_url(), slug(team._origin))

    @api.depends('message_partner_ids')
    def _compute_follow_all_partner_ids(self):
        for team in self:
            team.follow_all_partner_ids = team.message_partner_ids

    def _inverse_follow_all_partner_ids(self):
        for team in self:
            old = team.message_partner_ids
            new = team.follow_all_partner_ids
            if old - new:
                team.message_unsubscribe(partner_ids=(old - new).ids)
            if new - old:
                team.message_subscribe(partner_ids=(new - old).ids)

    @api.depends('stage_ids', 'stage_ids.fold')
    def _compute_to_stage_id(self):
        for team in self:
            if team.to_stage_id not in team.stage_ids or not team.to_stage_id.fold:
                team.to_stage_id = team.stage_ids.filtered('fold')[:1]

    @api.constrains('auto_close_ticket', 'auto_close_day')
    def _check_auto_close_day(self):
        if any(team.auto_close_ticket and team.auto_close_day < 1 for team in self):
            raise ValidationError(_("Automatic closing needs an inactive period of at least one day."))
        if any(team.auto_close_day > AUTO_CLOSE_MAX_DAYS for team in self):
            raise ValidationError(_(
                "The inactive period of automatic closing is at most %s days.", AUTO_CLOSE_MAX_DAYS))

    @api.constrains('use_reminders', 'reminder_hours', 'customer_reminder', 'customer_reminder_days',
                    'customer_reminder_stage_id', 'auto_close_ticket', 'auto_close_day')
    def _check_reminders(self):
        for team in self:
            if team.use_reminders and team.reminder_hours <= 0:
                raise ValidationError(_("Reminders need a positive number of working hours."))
            if team.customer_reminder:
                if not team.customer_reminder_stage_id or team.customer_reminder_days < 1:
                    raise ValidationError(_(
                        "Customer reminders need the stage where tickets wait for the customer and at least one day."))
                if team.auto_close_ticket and team.customer_reminder_days >= team.auto_close_day:
                    raise ValidationError(_(
                        "Customers must be reminded before their ticket closes automatically: remind them after "
                        "fewer days than the inactive period (%(days)s days).", days=team.auto_close_day))

    def _compute_ticket_counts(self):
        """One grouped query for every counter and every team: the open tickets grouped by their stage and
        the fields the counters test, each group then added to the counters whose conditions it meets."""
        counters = dict(TICKET_COUNTERS, my=[('is_closed', '=', False), ('user_id', '=', self.env.uid)])
        fnames = sorted({fname for domain in counters.values() for fname, _op, _value in domain} - {'is_closed'})
        totals = defaultdict(int)
        per_stage = defaultdict(lambda: defaultdict(int))
        for team, stage, *values, count in self.env['helpdesk.ticket']._read_group(
                [('is_closed', '=', False), ('team_id', 'in', self.ids)], ['team_id', 'stage_id', *fnames],
                ['__count']):
            per_stage[team.id][stage.id] += count
            row = dict(zip(fnames, values), is_closed=False)
            for key, domain in counters.items():
                if all(_group_value(row[fname]) == value for fname, _op, value in domain):
                    totals[team.id, key] += count
        for team in self:
            for key in counters:
                team['%s_ticket_count' % key] = totals[team.id, key]
            team.dashboard_stage_data = json.dumps(per_stage[team.id])

    @api.depends_context('tz', 'uid')
    def _compute_dashboard_insight(self):
        """Figures of the team cards, for all teams in a fixed number of grouped queries (one per source:
        closed tickets, created tickets, SLA statuses, ratings); the open tickets per stage come with the
        counters. Windows are whole days in the user's timezone, today included."""
        tz = pytz.timezone(self.env.context.get('tz') or self.env.user.tz or 'UTC')
        today = fields.Datetime.now().replace(tzinfo=pytz.utc).astimezone(tz).date()
        starts = {days: today - timedelta(days=days - 1) for days in INSIGHT_DAYS}
        since = tz.localize(datetime.combine(starts[max(INSIGHT_DAYS)], time.min)).astimezone(pytz.utc).replace(
            tzinfo=None)
        Ticket = self.env['helpdesk.ticket'].with_context(tz=tz.zone)
        me = self.env.user
        empty = {'count': 0, 'hours': 0.0, 'closed': 0, 'rated': 0, 'top': 0, 'score': 0.0}
        stats = defaultdict(lambda: dict(empty))  # (team id, window, scope) -> sums; scope 'team' or 'me'

        def add(team_id, day, scope, **values):
            for days, start in starts.items():
                if day >= start:
                    for key, value in values.items():
                        stats[team_id, days, scope][key] += value

        for team, user, day, count, hours in Ticket._read_group(
                [('team_id', 'in', self.ids), ('close_date', '>=', since)],
                ['team_id', 'user_id', 'close_date:day'], ['__count', 'close_hours:sum']):
            add(team.id, day.date(), 'team', closed=count, hours=hours or 0.0)
            if user == me:
                add(team.id, day.date(), 'me', closed=count, hours=hours or 0.0)
        for team, day, is_closed, count in Ticket._read_group(
                [('team_id', 'in', self.ids), ('create_date', '>=', since)],
                ['team_id', 'create_date:day', 'is_closed'], ['__count']):
            add(team.id, day.date(), 'created', count=count, closed=count if is_closed else 0)
        sla = defaultdict(int)
        for team, status, count in self.env['helpdesk.sla.status']._read_group(
                [('team_id', 'in', self.ids), ('status', 'in', ('reached', 'failed')),
                 '|', ('reached_datetime', '>=', since), '&', ('status', '=', 'failed'), ('deadline', '>=', since)],
                ['team_id', 'status'], ['__count']):
            sla[team.id, status] += count
        for team_id, partner, rating_text, day, count, score in self.env['rating.rating'].sudo().with_context(
                tz=tz.zone)._read_group([
                    ('parent_res_model', '=', self._name), ('parent_res_id', 'in', self.ids),
                    ('consumed', '=', True), ('rating', '>=', 1), ('write_date', '>=', since)],
                ['parent_res_id', 'rated_partner_id', 'rating_text', 'write_date:day'], ['__count', 'rating:sum']):
            top = count if rating_text == 'top' else 0
            add(team_id, day.date(), 'team', rated=count, top=top, score=score)
            if partner == me.partner_id:
                add(team_id, day.date(), 'me', rated=count, top=top, score=score)

        def rate(part, whole):
            return round(100.0 * part / whole) if whole else None

        def average(total, count):
            return round(total / count, 1) if count else None

        for team in self:
            week, month = min(INSIGHT_DAYS), max(INSIGHT_DAYS)
            team_week, team_month = stats[team.id, week, 'team'], stats[team.id, month, 'team']
            mine = stats[team.id, month, 'me']
            reached, failed = sla[team.id, 'reached'], sla[team.id, 'failed']
            team.dashboard_rating_avg = average(team_week['score'], team_week['rated']) or 0.0
            open_per_stage = json.loads(team.dashboard_stage_data or '{}')
            insight = {
                'stages': [{'id': stage.id, 'name': stage.name, 'count': open_per_stage.get(str(stage.id), 0)}
                           for stage in team.stage_ids if not stage.fold],
                'periods': [{
                    'days': days,
                    'resolution_rate': rate(stats[team.id, days, 'created']['closed'],
                                            stats[team.id, days, 'created']['count']),
                    'close_hours': average(
                        stats[team.id, days, 'team']['hours'], stats[team.id, days, 'team']['closed']),
                    'closed': stats[team.id, days, 'team']['closed'],
                } for days in INSIGHT_DAYS],
                'my': {
                    'open': team.my_ticket_count,
                    'close_hours': average(mine['hours'], mine['closed']),
                    'show': bool(team.my_ticket_count or mine['closed'] or mine['rated']),
                },
            }
            # a figure is left out when the team does not use the feature, None when there is no data yet
            if team.use_sla:
                insight['sla_success_rate'] = rate(reached, reached + failed)
            if team.use_rating:
                insight['satisfaction_rate'] = rate(team_month['top'], team_month['rated'])
                insight['my']['satisfaction_rate'] = rate(mine['top'], mine['rated'])
            team.dashboard_insight = json.dumps(insight)

    @api.depends_context('tz', 'uid')
    def _compute_dashboard_graph_data(self):
        """Tickets opened and closed per day (in the user's timezone): two grouped queries for all teams."""
        tz = pytz.timezone(self.env.context.get('tz') or self.env.user.tz or 'UTC')
        today = fields.Datetime.now().replace(tzinfo=pytz.utc).astimezone(tz).date()
        days = [today - timedelta(days=n) for n in range(DASHBOARD_DAYS - 1, -1, -1)]
        since = tz.localize(datetime.combine(days[0], time.min)).astimezone(pytz.utc).replace(tzinfo=None)
        Ticket = self.env['helpdesk.ticket'].with_context(tz=tz.zone)
        counts = {}
        for key, date_field in (('opened', 'create_date'), ('closed', 'close_date')):
            counts[key] = {
                (team.id, day.date()): count
                for team, day, count in Ticket._read_group(
                    [('team_id', 'in', self.ids), (date_field, '>=', since)],
                    ['team_id', '%s:day' % date_field], ['__count'])
            }
        for team in self:
            team.dashboard_graph_data = json.dumps([{
                'date': fields.Date.to_string(day),
                'opened': counts['opened'].get((team.id, day), 0),
                'closed': counts['closed'].get((team.id, day), 0),
            } for day in days])

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    def write(self, vals):
        if 'privacy_visibility' in vals:
            self._change_privacy_visibility(vals['privacy_visibility'])
        return super().write(vals)

    def message_subscribe(self, partner_ids=None, subtype_ids=None):
        """Only internal users follow a team (mail.followers drops share partners whoever adds them)."""
        if self.env.user.share and not self.env.su:
            raise AccessError(_("Only internal users can follow a helpdesk team."))
        return super().message_subscribe(partner_ids=partner_ids, subtype_ids=subtype_ids)

    def _change_privacy_visibility(self, new_visibility):
        """Leaving 'public' makes the links already sent useless: the portal rule already hides the tickets
        from portal users, who still follow them for the replies by email."""
        leaving_public = self.filtered(
            lambda t: t.privacy_visibility == 'portal' and new_visibility != 'portal')
        if leaving_public:
            self.env['helpdesk.ticket'].with_context(active_test=False).sudo().search(
                [('team_id', 'in', leaving_public.ids)])._portal_rotate_token()

    # ------------------------------------------------------------
    # Automatic assignment
    # ------------------------------------------------------------

    @api.model
    def _auto_assign_tickets(self, tickets):
        """Give an agent to each unassigned ticket of an auto-assigning team, or of a category naming agents
        for its team (a manual choice wins).

        Assignment never fails a creation: when another transaction assigned in the same team after ours
        began, our snapshot cannot count its tickets, so these tickets are assigned right after our commit,
        in a fresh transaction that waits for the team (see ``_assign_after_commit``).
        """
        tickets = tickets.sudo().filtered(lambda t: not t.user_id and (
            t.team_id.auto_assignment or self._get_category_agents(t.category_id, t.team_id)))
        if not tickets:
            return
        assignees = tickets.team_id._pick_assignees(tickets, lock=True)
        if assignees is None:
            self._assign_after_commit(tickets)
            return
        by_user = defaultdict(list)
        for ticket, user in assignees.items():
            by_user[user].append(ticket.id)
        for user, ticket_ids in by_user.items():
            tickets.browse(ticket_ids).write({'user_id': user.id})

    def _lock_for_assignment(self, then=None):
        """Serialize assignment per team, until the transaction ends; False when our snapshot is stale.

        The row lock makes a concurrent assignment in the same team wait. The no-op update tells whether
        our snapshot saw every assignment: under REPEATABLE READ it fails (serialization) when another
        transaction updated the row, i.e. assigned, after ours began; that failure is kept inside a
        savepoint, so the transaction goes on. Under READ COMMITTED (``_assign_after_commit``) it waits
        and succeeds. NO KEY UPDATE, unlike UPDATE, does not conflict with the key-share locks of ticket
        inserts. One round trip in the usual case, with ``then`` (an SQL query run once the lock is held,
        whose rows the cursor then holds).
        """
        cr = self.env.cr
        if not self.ids:
            if then:
                cr.execute(then)
            return True
        savepoint = SQL.identifier('helpdesk_assign_%s' % next(_savepoint_ids))
        try:
            cr.execute(SQL(
                "SAVEPOINT %s; UPDATE helpdesk_team SET write_date = write_date WHERE id IN "
                "(SELECT id FROM helpdesk_team WHERE id IN %s ORDER BY id FOR NO KEY UPDATE); "
                "RELEASE SAVEPOINT %s; %s", savepoint, tuple(self.ids), savepoint, then or SQL()),
                log_exceptions=False)
        except psycopg2.errors.SerializationFailure:
            cr.execute(SQL("ROLLBACK TO SAVEPOINT %s", savepoint))
            _logger.info("helpdesk: teams %s assigned concurrently; assigning after commit", self.ids)
            return False
        return True

    @api.model
    def _assign_after_commit(self, tickets):
        """Assign ``tickets`` once this transaction has committed, in a READ COMMITTED transaction that
        waits for the teams' lock and so counts every committed ticket. A few tries on deadlocks; a
        ticket that still fails stays unassigned (never lost), and the error is logged."""
        registry, ticket_ids = self.env.registry, tickets.ids

        @self.env.cr.postcommit.add
        def assign():
            for attempt in range(5):
                try:
                    with registry.cursor() as cr:
                        cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
                        env = api.Environment(cr, SUPERUSER_ID, {})
                        todo = env['helpdesk.ticket'].browse(ticket_ids).exists()
                        env['helpdesk.team']._auto_assign_tickets(todo)
                    return
                except psycopg2.OperationalError:
                    _logger.warning("helpdesk: assigning tickets %s failed, retrying", ticket_ids, exc_info=True)
                    sleep(0.1 * (attempt + 1))
            _logger.error("helpdesk: tickets %s left unassigned", ticket_ids)

    def _pick_assignees(self, tickets, lock=False):
        """Agents for a batch of tickets, {ticket: user}, in the order of the tickets (see ``_pick_agents``)."""
        requests = [
            AssignmentRequest(ticket.team_id, ticket.category_id, ticket.partner_id.id, ticket.partner_email,
                              ticket.is_closed)
            for ticket in tickets]
        assignees = self._pick_agents(requests, lock=lock)
        if assignees is None:
            return None
        return {ticket: user for ticket, user in zip(tickets, assignees) if user}

    def _pick_agents(self, requests, lock=False):
        """The agent of each ``AssignmentRequest``, in their order (an empty recordset when nobody may take it).

        Requests are plain values, so that a creation weighs its tickets before they exist (no new records).
        Each pick updates the in-memory counts, so a batch is spread exactly as the same tickets created
        one by one. Present agents are preferred; when every candidate is away, the first one back. Ties
        go to the oldest last assignment (never assigned first), then the lowest user id. One query,
        whatever the number of tickets, teams or members (see ``_get_assignment_agents``).

        :param bool lock: take the teams' assignment lock first, in the same round trip
            (``_lock_for_assignment``); None when our snapshot is stale (nobody picked)
        """
        now = fields.Datetime.now()
        # agents named by the tickets' categories are candidates of their team for those tickets only
        category_agents = [self._get_category_agents(request.category, request.team) for request in requests]
        named = {(request.team.id, user.id)
                 for request, users in zip(requests, category_agents) for user in users}
        agents = self._get_assignment_agents(named, now, lock=lock)
        if agents is None:
            return None
        members = defaultdict(list)  # {team id: [user id]}
        for (team_id, user_id), agent in agents.items():
            if agent['member']:
                members[team_id].append(user_id)

        def load(team_id, user_id):
            agent = agents[team_id, user_id]
            return agent['count'], agent['last'] or datetime.min, user_id

        def first_back(team_id, user_id):
            return agents[team_id, user_id]['back'], load(team_id, user_id)

        Users = self.env['res.users']
        assignees = []
        for request, named_users in zip(requests, category_agents):
            team = request.team
            customer_email = email_normalize(request.email or '')
            named_ids = [user.id for user in named_users if (team.id, user.id) in agents]
            user_ids = [
                user_id for user_id in (named_ids or (members[team.id] if team.auto_assignment else []))
                if agents[team.id, user_id]['partner_id'] != request.partner_id
                and not (customer_email and agents[team.id, user_id]['email'] == customer_email)
            ]
            if not user_ids:
                assignees.append(Users)
                continue
            present = [user_id for user_id in user_ids if agents[team.id, user_id]['back'] <= now]
            if present:
                user_id = min(present, key=partial(load, team.id))
            else:
                user_id = min(user_ids, key=partial(first_back, team.id))
            assignees.append(Users.browse(user_id))
            agent = agents[team.id, user_id]
            if team.assign_method == 'randomly' or not request.is_closed:
                agent['count'] += 1
            agent['last'] = now
        # mail reads the assignees (active, partner) to subscribe them: known already, the query read them
        partner_of = {user_id: agent['partner_id'] for (_team_id, user_id), agent in agents.items()}
        picked = Users.browse({user.id for user in assignees if user})
        Users.env.cache.update(picked, Users._fields['active'], [True] * len(picked))
        Users.env.cache.update(picked, Users._fields['partner_id'], [partner_of[user.id] for user in picked])
        return assignees

    @api.model
    def _get_category_agents(self, category, team):
        """The agents a ticket's category names for the ticket's team (active internal users only are
        assigned, see ``_get_assignment_agents``)."""
        if not category.user_ids or category.team_id != team:
            return self.env['res.users']
        return category.user_ids

    def _get_assignment_agents(self, named, now, lock=False):
        """Who may be given tickets of these teams, with what automatic assignment weighs.

        The candidates of a team are its members, or every helpdesk agent of its company when it has none
        (``member``), and the agents its tickets' categories name (``named``: {(team id, user id)}); active
        internal users only, never a portal user. For each: their partner and normalized email (a customer
        is never given their own ticket), the tickets counted by the team's method (balanced: open ones,
        randomly: all; archived tickets, merged or converted, never count), their last assignment, and when
        they are back (``back``): now, or the end of the time off under way (see ``_get_agents_back``).

        One query in the usual case (the members of teams that have some, nobody on leave now): a creation
        runs it, so it is kept simple to plan, which costs more than running it. Teams without members and
        time off under way are read by a query each, only when there are some.

        :return: {(team id, user id): {'member', 'partner_id', 'email', 'count', 'last', 'back'}}, None when
            ``lock`` is asked for and our snapshot is stale (see ``_lock_for_assignment``)
        """
        self.env.flush_all()  # tickets, members, users, resources and leaves, as they are in memory
        pairs = SQL("SELECT rel.team_id, rel.user_id, TRUE AS member FROM helpdesk_team_member_rel rel"
                    " WHERE rel.team_id IN %s", tuple(self.ids) or (None,))
        if named:
            named = sorted(named)
            pairs = SQL("""
                SELECT team_id, user_id, bool_or(member) AS member FROM (
                    %s
                     UNION ALL
                    SELECT named.team_id, named.user_id, FALSE
                      FROM unnest(%s::int[], %s::int[]) AS named(team_id, user_id)
                ) pairs GROUP BY team_id, user_id""",
                pairs, [team_id for team_id, _user_id in named], [user_id for _team_id, user_id in named])
        query = self._get_assignment_agents_query(pairs, now)
        if not lock:
            self.env.cr.execute(query)
        elif not self._lock_for_assignment(then=query):
            return None
        rows = self.env.cr.fetchall()
        staffed = {team_id for team_id, _user_id, member, *_values in rows if member}
        unstaffed = self.filtered(lambda team: team.id not in staffed)
        if unstaffed:
            # teams without members: the helpdesk agents of their company (none when the team has members,
            # all of them archived or portal users)
            self.env.cr.execute(self._get_assignment_agents_query(SQL("""
                SELECT team.id AS team_id, company_user.user_id, TRUE AS member
                  FROM helpdesk_team team
                  JOIN res_company_users_rel company_user ON company_user.cid = team.company_id
                  JOIN res_groups_users_rel group_user
                    ON group_user.uid = company_user.user_id AND group_user.gid = %s
                 WHERE team.id IN %s
                   AND NOT EXISTS (SELECT FROM helpdesk_team_member_rel rel WHERE rel.team_id = team.id)""",
                self.env['ir.model.data']._xmlid_to_res_id(HELPDESK_AGENT_GROUP), tuple(unstaffed.ids)), now))
            rows += self.env.cr.fetchall()
        agents = {}
        someone_away = False
        for team_id, user_id, member, partner_id, email, count, last, away in rows:
            someone_away = someone_away or away
            if (team_id, user_id) in agents:  # named by a category, and a company agent of a team without members
                agents[team_id, user_id]['member'] = True
                continue
            agents[team_id, user_id] = {
                'member': member, 'partner_id': partner_id, 'email': email, 'count': count, 'last': last,
                'back': now}
        if someone_away:
            for key, back in self._get_agents_back(list(agents), now).items():
                agents[key]['back'] = back
        return agents

    def _get_assignment_agents_query(self, pairs, now):
        """The candidates ``pairs`` (team_id, user_id, member) that are active internal users, with their
        partner, email, count and last assignment, and whether anyone is on leave right now (then see
        ``_get_agents_back``). Counted off the assignment indexes (helpdesk.ticket's init), never the agents'
        whole history."""
        def count(open_only):
            return SQL("""(SELECT COUNT(*) FROM helpdesk_ticket ticket
                            WHERE ticket.team_id = pairs.team_id AND ticket.user_id = pairs.user_id
                              AND ticket.active %s)""", SQL("AND ticket.is_closed IS NOT TRUE") if open_only else SQL())
        randomly = self.filtered(lambda team: team.assign_method == 'randomly')
        if not randomly:
            count_sql = count(open_only=True)
        elif randomly == self:
            count_sql = count(open_only=False)
        else:
            count_sql = SQL("CASE WHEN pairs.team_id IN %s THEN %s ELSE %s END",
                            tuple(randomly.ids), count(open_only=False), count(open_only=True))
        return SQL("""
            SELECT pairs.team_id, pairs.user_id, pairs.member, users.partner_id, partner.email_normalized, %(count)s,
                   (SELECT MAX(ticket.last_assign_date) FROM helpdesk_ticket ticket
                     WHERE ticket.team_id = pairs.team_id AND ticket.user_id = pairs.user_id AND ticket.active),
                   EXISTS (SELECT FROM resource_calendar_leaves leave
                            WHERE leave.time_type = 'leave' AND leave.date_from <= %(now)s AND leave.date_to > %(now)s)
              FROM (%(pairs)s) pairs
              JOIN res_users users ON users.id = pairs.user_id AND users.active AND NOT users.share
              JOIN res_partner partner ON partner.id = users.partner_id
             ORDER BY pairs.team_id, pairs.user_id""", count=count_sql, now=now, pairs=pairs)

    @api.model
    def _get_agents_back(self, keys, now):
        """When the agents of ``keys`` [(team id, user id)] are back: now, or the end of the time off under way.

        Time off is what resource.calendar.leaves holds (validated Time Off requests land there too): the leaves
        of the user's resources, and the company-wide leaves of their working calendar (their resource's
        calendar in the team's company, else the company's); back-to-back leaves chain, so the real return date
        is found.
        """
        self.env.cr.execute(SQL("""
            SELECT keys.team_id, keys.user_id, (
                SELECT array_agg(ARRAY[leave.date_from, leave.date_to] ORDER BY leave.date_from)
                  FROM resource_calendar_leaves leave
                 WHERE leave.time_type = 'leave' AND leave.date_to > %(now)s
                   AND (leave.resource_id IN (
                            SELECT resource.id FROM resource_resource resource
                             WHERE resource.user_id = keys.user_id AND resource.active)
                        OR leave.resource_id IS NULL AND (
                            leave.calendar_id = COALESCE((
                                SELECT resource.calendar_id FROM resource_resource resource
                                 WHERE resource.user_id = keys.user_id AND resource.active
                                 ORDER BY resource.company_id = team.company_id DESC, resource.name, resource.id
                                 LIMIT 1), company.resource_calendar_id)
                            OR leave.calendar_id IS NULL AND leave.company_id = team.company_id)))
              FROM unnest(%(teams)s::int[], %(users)s::int[]) AS keys(team_id, user_id)
              JOIN helpdesk_team team ON team.id = keys.team_id
              JOIN res_company company ON company.id = team.company_id
        """, now=now, teams=[team_id for team_id, _user_id in keys], users=[user_id for _team_id, user_id in keys]))
        backs = {}
        for team_id, user_id, periods in self.env.cr.fetchall():
            back = now
            for date_from, date_to in periods or ():
                if date_from > back:
                    break
                back = max(back, date_to)
            backs[team_id, user_id] = back
        return backs

    # ------------------------------------------------------------
    # Automatic closing
    # ------------------------------------------------------------

    @api.model
    def _cron_auto_close_tickets(self, batch_size=200, limit=5000, auto_commit=None):
        """Close the tickets that saw no message of any kind and no stage change for their team's
        inactive period. One search covers every team; tickets are moved and logged batch by batch.
        A run closes at most `limit` tickets in its one transaction and, when more wait, runs the cron
        again at once (as account's auto-post cron does) rather than committing halfway.

        A reply may arrive, an agent may act, or another server may run this cron between the search and
        the closing: each batch is locked (tickets another transaction holds are skipped: it acts on them)
        and searched again under the lock, just before it is closed: a ticket is never closed nor logged twice.

        ``auto_commit`` is ignored: the cron record of databases installed before 17.0.2 (noupdate) still
        passes it, and must keep working after the upgrade."""
        now = fields.Datetime.now()
        teams = self.search([('auto_close_ticket', '=', True)]).filtered('to_stage_id')
        if not teams:
            return
        Ticket = self.env['helpdesk.ticket']
        domain = expression.OR([team._get_auto_close_domain(now) for team in teams])
        candidates = Ticket.search(domain, order='id', limit=limit)
        for batch_ids in split_every(batch_size, candidates.ids):
            tickets = Ticket._lock_skip_locked(Ticket.browse(batch_ids))
            tickets = tickets and Ticket.search(expression.AND([domain, [('id', 'in', tickets.ids)]]), order='id')
            for team, team_tickets in tickets.grouped('team_id').items():
                body = Markup('<p>%s</p>') % _(
                    "Closed automatically after %(days)s days without activity.", days=team.auto_close_day)
                team_tickets._message_log_batch(dict.fromkeys(team_tickets.ids, body))
                team_tickets.write({'stage_id': team.to_stage_id.id})
            self.env.flush_all()
        if len(candidates) == limit:
            self.env.ref('helpdesk_ce.ir_cron_auto_close_tickets')._trigger()

    def _get_auto_close_domain(self, now):
        """Tickets of this team inactive since before now minus its period, in its chosen stages
        (every open stage when none is chosen)."""
        self.ensure_one()
        cutoff = now - timedelta(days=self.auto_close_day)
        if self.from_stage_ids:
            stage_domain = [('stage_id', 'in', self.from_stage_ids.ids)]
        else:
            stage_domain = [('is_closed', '=', False)]
        return expression.AND([stage_domain, [
            ('team_id', '=', self.id),
            ('stage_id', '!=', self.to_stage_id.id),
            ('date_last_stage_update', '<', cutoff),
            ('message_ids', 'not any', [('date', '>=', cutoff)]),
        ]])

    # ------------------------------------------------------------
    # Reminders
    # ------------------------------------------------------------

    @api.model
    def _cron_send_reminders(self, batch_size=200, limit=2000):
        """Remind assignees of pending tickets (one activity each) and customers of tickets waiting for them
        (one email each). Each batch is locked (the locks hold until the transaction ends), re-checked and
        done: a second server running the cron at the same time skips the locked tickets, and finds the others
        done once this run commits. A run takes at most `limit` tickets of each kind and, when more wait, runs
        the cron again at once (as the automatic closing does) rather than committing halfway."""
        now = fields.Datetime.now()
        Ticket = self.env['helpdesk.ticket']
        reminder_teams = self.search([('use_reminders', '=', True)])
        customer_teams = self.search([('customer_reminder', '=', True), ('customer_reminder_stage_id', '!=', False)])
        more = False
        for date_field, domains, remind in (
            ('reminder_date', [team._get_reminder_domain(now) for team in reminder_teams], self._remind_assignees),
            ('customer_reminder_date', [team._get_customer_reminder_domain(now) for team in customer_teams],
             self._remind_customers),
        ):
            domains = [domain for domain in domains if domain]
            if not domains:
                continue
            domain = expression.OR(domains)
            ids = Ticket.search(domain, order='id', limit=limit).ids
            for batch_ids in split_every(batch_size, ids):
                remind(self._lock_tickets_for_reminder(batch_ids, date_field, domain), now)
                self.env.flush_all()
            more = more or len(ids) == limit
        if more:
            self.env.ref('helpdesk_ce.ir_cron_ticket_reminders')._trigger()

    def _get_reminder_domain(self, now):
        """Open assigned tickets of this team whose last agent action (public reply, stage change) is at least
        reminder_hours working hours old, not yet reminded; none in the customer waiting stage."""
        self.ensure_one()
        calendar = self.resource_calendar_id or self.company_id.resource_calendar_id
        cutoff = calendar._helpdesk_hours_ago(now, self.reminder_hours)
        if not cutoff:
            return []
        domain = [
            ('team_id', '=', self.id), ('is_closed', '=', False), ('user_id', '!=', False),
            ('reminder_date', '=', False), ('date_last_stage_update', '<', cutoff),
            '|', ('last_agent_reply_date', '=', False), ('last_agent_reply_date', '<', cutoff),
        ]
        if self.customer_reminder and self.customer_reminder_stage_id:
            domain.append(('stage_id', '!=', self.customer_reminder_stage_id.id))
        return domain

    def _get_customer_reminder_domain(self, now):
        """Tickets waiting for the customer in the chosen stage, without any message for the chosen days."""
        self.ensure_one()
        cutoff = now - timedelta(days=self.customer_reminder_days)
        return [
            ('team_id', '=', self.id), ('stage_id', '=', self.customer_reminder_stage_id.id),
            ('customer_reminder_date', '=', False), ('date_last_stage_update', '<', cutoff),
            '|', ('partner_id', '!=', False), ('partner_email', '!=', False),
            ('message_ids', 'not any', [('date', '>=', cutoff)]),
        ]

    @api.model
    def _lock_tickets_for_reminder(self, ids, date_field, domain):
        """The tickets among `ids` that nobody else is reminding right now (FOR NO KEY UPDATE SKIP LOCKED:
        locked until the transaction ends) and that still need it, re-checked once locked."""
        Ticket = self.env['helpdesk.ticket']
        Ticket.flush_model()
        self.env.cr.execute(SQL(
            "SELECT id FROM helpdesk_ticket WHERE id IN %s AND %s IS NULL ORDER BY id FOR NO KEY UPDATE SKIP LOCKED",
            tuple(ids), SQL.identifier(date_field)))
        locked = [row[0] for row in self.env.cr.fetchall()]
        if not locked:
            return Ticket
        Ticket.browse(locked).invalidate_recordset()
        return Ticket.search(expression.AND([[('id', 'in', locked)], domain]), order='id')

    @api.model
    def _remind_assignees(self, tickets, now):
        """One reminder activity per ticket for its assignee, unless one is still open."""
        activity_type = self.env.ref('helpdesk_ce.mail_activity_type_ticket_reminder')
        tickets.write({'reminder_date': now})
        pending = tickets.filtered(lambda t: activity_type not in t.activity_ids.activity_type_id)
        model_id = self.env['ir.model']._get_id('helpdesk.ticket')
        self.env['mail.activity'].sudo().create([{
            'res_model_id': model_id,
            'res_id': ticket.id,
            'activity_type_id': activity_type.id,
            'user_id': ticket.user_id.id,
            'summary': _("No reply for %(hours)s working hours", hours='%g' % ticket.team_id.reminder_hours),
            'date_deadline': fields.Date.context_today(ticket.with_context(tz=ticket.user_id.tz)),
        } for ticket in pending])

    @api.model
    def _remind_customers(self, tickets, now):
        """One reminder email per ticket, from the team's template (a public reply, like stage emails)."""
        tickets.write({'customer_reminder_date': now})
        default = self.env.ref('helpdesk_ce.mail_template_ticket_reminder', raise_if_not_found=False)
        for template, group in tickets.grouped(lambda t: t.team_id.customer_reminder_template_id or default).items():
            if template:
                group._message_post_automatic_email(template)

    # ------------------------------------------------------------
    # Mail alias
    # ------------------------------------------------------------

    def _alias_get_creation_values(self):
        values = super()._alias_get_creation_values()
        values['alias_model_id'] = self.env['ir.model']._get('helpdesk.ticket').id
        if self.id:
            values['alias_defaults'] = defaults = literal_eval(self.alias_defaults or "{}")
            defaults['team_id'] = self.id
        return values

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_open_website_form(self):
        """Go to the form: the team's public ticket form, in a new tab."""
        self.ensure_one()
        if not self.website_form_url:
            raise UserError(_("Only a public team with its website form on has a public ticket form."))
        return {'type': 'ir.actions.act_url', 'url': '/helpdesk/%s' % slug(self), 'target': 'new'}

    def action_view_tickets(self):
        """Open the team's tickets, narrowed by the dashboard counter that was clicked."""
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('helpdesk_ce.helpdesk_ticket_action_team')
        counter = self.env.context.get('ticket_counter')
        domain = [('team_id', '=', self.id)]
        if counter == 'my':
            domain += [('is_closed', '=', False), ('user_id', '=', self.env.uid)]
        elif counter in TICKET_COUNTERS:
            domain += TICKET_COUNTERS[counter]
        action.update({
            'display_name': self.name,
            'domain': domain,
            'context': {'default_team_id': self.id},
        })
        return action
