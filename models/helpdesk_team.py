import json
from ast import literal_eval
from collections import defaultdict
from datetime import datetime, time, timedelta
from functools import partial

import pytz
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL, email_normalize, split_every

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
        domain=lambda self: [('groups_id', 'in', self.env.ref('helpdesk_ce.group_helpdesk_user_own').id),
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
    use_website_helpdesk_form = fields.Boolean('Website Form')
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
    dashboard_rating_avg = fields.Float(
        'Average Rating (7 days)', compute='_compute_dashboard_rating_avg',
        help="Average of the ratings customers gave in the last 7 days (1 to 5); 0 without ratings.")
    dashboard_graph_data = fields.Text(
        compute='_compute_dashboard_graph_data', help="Tickets opened and closed per day over the last 7 days.")
    sla_ids = fields.One2many('helpdesk.sla', 'team_id', string="Team's SLA Policies")

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

    def _compute_ticket_counts(self):
        """One grouped query for every counter and every team: the open tickets grouped by the fields the
        counters test, each group then added to the counters whose conditions it meets."""
        counters = dict(TICKET_COUNTERS, my=[('is_closed', '=', False), ('user_id', '=', self.env.uid)])
        fnames = sorted({fname for domain in counters.values() for fname, _op, _value in domain} - {'is_closed'})
        totals = defaultdict(int)
        for team, *values, count in self.env['helpdesk.ticket']._read_group(
                [('is_closed', '=', False), ('team_id', 'in', self.ids)], ['team_id', *fnames], ['__count']):
            row = dict(zip(fnames, values), is_closed=False)
            for key, domain in counters.items():
                if all(_group_value(row[fname]) == value for fname, _op, value in domain):
                    totals[team.id, key] += count
        for team in self:
            for key in counters:
                team['%s_ticket_count' % key] = totals[team.id, key]

    def _compute_dashboard_rating_avg(self):
        """One grouped query for all teams."""
        since = fields.Datetime.now() - timedelta(days=DASHBOARD_DAYS)
        averages = dict(self.env['rating.rating'].sudo()._read_group([
            ('parent_res_model', '=', self._name), ('parent_res_id', 'in', self.ids),
            ('consumed', '=', True), ('rating', '>=', 1), ('write_date', '>=', since),
        ], ['parent_res_id'], ['rating:avg']))
        for team in self:
            team.dashboard_rating_avg = averages.get(team.id, 0.0)

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
        """Give an agent to each unassigned ticket of an auto-assigning team (a manual choice wins)."""
        tickets = tickets.sudo().filtered(lambda t: not t.user_id and t.team_id.auto_assignment)
        if not tickets:
            return
        teams = tickets.team_id
        teams._lock_for_assignment()
        by_user = defaultdict(list)
        for ticket, user in teams._pick_assignees(tickets).items():
            by_user[user].append(ticket.id)
        for user, ticket_ids in by_user.items():
            tickets.browse(ticket_ids).write({'user_id': user.id})

    def _lock_for_assignment(self):
        """Serialize assignment per team, held until the transaction ends.

        The row lock makes a concurrent assignment in the same team wait. The no-op update then makes
        it fail with a serialization error once we commit (Odoo retries it on a fresh snapshot): under
        REPEATABLE READ a mere lock would let it count tickets from a snapshot missing ours. NO KEY
        UPDATE, unlike UPDATE, does not conflict with the key-share locks of ticket inserts.
        """
        if self.ids:
            self.env.cr.execute(SQL(
                "UPDATE helpdesk_team SET write_date = write_date WHERE id IN "
                "(SELECT id FROM helpdesk_team WHERE id IN %s ORDER BY id FOR NO KEY UPDATE)",
                tuple(self.ids)))

    def _pick_assignees(self, tickets):
        """Agents for a batch of tickets, {ticket: user}, in the order of the tickets.

        Each pick updates the in-memory counts, so a batch is spread exactly as the same tickets created
        one by one. Present agents are preferred; when every candidate is away, the first one back. Ties
        go to the oldest last assignment (never assigned first), then the lowest user id. The number of
        queries does not depend on the number of tickets, teams or members.
        """
        now = fields.Datetime.now()
        candidates = self._get_assignment_candidates()
        if not any(candidates.values()):
            return {}
        back = self._get_assignment_return_dates(candidates, now)
        stats = self._get_assignment_stats(candidates)

        def load(team, user):
            count, last = stats[team.id, user.id]
            return count, last or datetime.min, user.id

        def first_back(team, user):
            return back[team.id, user.id], load(team, user)

        assignees = {}
        for ticket in tickets:
            team = ticket.team_id
            customer_email = email_normalize(ticket.partner_email or '')
            users = [
                user for user in candidates[team]
                if user.partner_id != ticket.partner_id
                and not (customer_email and user.email_normalized == customer_email)
            ]
            if not users:
                continue
            present = [user for user in users if back[team.id, user.id] <= now]
            if present:
                user = min(present, key=partial(load, team))
            else:
                user = min(users, key=partial(first_back, team))
            assignees[ticket] = user
            count = stats[team.id, user.id][0]
            if team.assign_method == 'randomly' or not ticket.is_closed:
                count += 1
            stats[team.id, user.id] = (count, now)
        return assignees

    def _get_assignment_candidates(self):
        """{team: users}: the team members, or every helpdesk agent of the team's company when there
        are none. Active internal users only: never a portal user."""
        agents = self.env['res.users'].sudo()
        without_members = self.filtered(lambda t: not t.member_ids)
        if without_members:
            agents = agents.search([
                ('groups_id', 'in', self.env.ref('helpdesk_ce.group_helpdesk_user_own').id),
                ('share', '=', False),
                ('company_ids', 'in', without_members.company_id.ids),
            ])
        return {
            team: (team.member_ids or agents.filtered(lambda u: team.company_id in u.company_ids)).filtered(
                lambda u: u.active and not u.share)
            for team in self
        }

    def _get_assignment_return_dates(self, candidates, now):
        """{(team id, user id): when the user is available}: now, or the end of the time off under way.

        Time off is what resource.calendar.leaves holds (validated Time Off requests land there too):
        the leaves of the user's resources, and the company-wide leaves of their working calendar
        (their resource's calendar in the team's company, else the company's). Back-to-back leaves
        chain, so the look-ahead finds the real return date.
        """
        users = self.env['res.users'].union(*candidates.values())
        resources = users.resource_ids
        calendars = resources.calendar_id | self.company_id.resource_calendar_id
        leaves = self.env['resource.calendar.leaves'].sudo().search_fetch([
            ('time_type', '=', 'leave'), ('date_to', '>', now),
            '|', ('resource_id', 'in', resources.ids),
            '&', ('resource_id', '=', False), '|', ('calendar_id', 'in', calendars.ids), ('calendar_id', '=', False),
        ], ['resource_id', 'calendar_id', 'company_id', 'date_from', 'date_to'], order='date_from')
        leaves_of = defaultdict(list)  # key: resource, calendar or company (for leaves of every calendar)
        for leave in leaves:
            leaves_of[leave.resource_id or leave.calendar_id or leave.company_id].append(leave)
        back = {}
        for team, team_users in candidates.items():
            company = team.company_id
            for user in team_users:
                own = user.resource_ids
                calendar = (own.filtered(lambda r: r.company_id == company)[:1] or own[:1]).calendar_id \
                    or company.resource_calendar_id
                keys = list(own) + [calendar, company]
                back_at = now
                for leave in sorted((lv for key in keys for lv in leaves_of[key]), key=lambda lv: lv.date_from):
                    if leave.date_from > back_at:
                        break
                    back_at = max(back_at, leave.date_to)
                back[team.id, user.id] = back_at
        return back

    def _get_assignment_stats(self, candidates):
        """{(team id, user id): (tickets counted by the team's method, last assignment date or None)}.

        One grouped query for the whole batch. Archived tickets (merged, converted) do not count.
        """
        users = self.env['res.users'].union(*candidates.values())
        stats = defaultdict(lambda: (0, None))
        groups = self.env['helpdesk.ticket'].sudo()._read_group(
            [('team_id', 'in', self.ids), ('user_id', 'in', users.ids)],
            ['team_id', 'user_id', 'is_closed'], ['__count', 'assign_date:max'])
        for team, user, is_closed, count, last in groups:
            old_count, old_last = stats[team.id, user.id]
            if team.assign_method == 'balanced' and is_closed:
                count = 0
            stats[team.id, user.id] = (old_count + count, max(filter(None, [old_last, last]), default=None))
        return stats

    # ------------------------------------------------------------
    # Automatic closing
    # ------------------------------------------------------------

    @api.model
    def _cron_auto_close_tickets(self, batch_size=200, limit=5000):
        """Close the tickets that saw no message of any kind and no stage change for their team's
        inactive period. One search covers every team; tickets are moved and logged batch by batch.
        A run closes at most `limit` tickets in its one transaction and, when more wait, runs the cron
        again at once (as account's auto-post cron does) rather than committing halfway."""
        now = fields.Datetime.now()
        teams = self.search([('auto_close_ticket', '=', True)]).filtered('to_stage_id')
        if not teams:
            return
        tickets = self.env['helpdesk.ticket'].search(
            expression.OR([team._get_auto_close_domain(now) for team in teams]), order='id', limit=limit)
        for batch_ids in split_every(batch_size, tickets.ids):
            for team, team_tickets in tickets.browse(batch_ids).grouped('team_id').items():
                body = Markup('<p>%s</p>') % _(
                    "Closed automatically after %(days)s days without activity.", days=team.auto_close_day)
                team_tickets._message_log_batch(dict.fromkeys(team_tickets.ids, body))
                team_tickets.write({'stage_id': team.to_stage_id.id})
            self.env.flush_all()
        if len(tickets) == limit:
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
