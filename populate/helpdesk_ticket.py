import logging
from datetime import timedelta

from psycopg2.extras import execute_values

from odoo import Command, fields, models
from odoo.tools import populate, split_every

from .helpdesk_team import CUSTOMER_EMAIL_DOMAIN

_logger = logging.getLogger(__name__)

SUBJECTS = [
    "The printer jams on every page", "Cannot log in to the portal", "Invoice shows the wrong amount",
    "Delivery is late", "Refund request for order", "The app crashes on start", "Password reset mail never arrives",
    "Wrong item received", "How do I change my address?", "Screen stays black after update",
]
STAGE_WEIGHTS = {  # xml id of the default stage: share of tickets
    'stage_new': 3, 'stage_in_progress': 4, 'stage_waiting': 2, 'stage_solved': 80, 'stage_cancelled': 11,
}


class HelpdeskTicket(models.Model):
    _inherit = 'helpdesk.ticket'
    _populate_sizes = {'small': 500, 'medium': 10000, 'large': 100000}
    _populate_dependencies = ['helpdesk.team', 'helpdesk.tag', 'helpdesk.sla']

    def _populate(self, size):
        quiet = self.with_context(
            tracking_disable=True, mail_create_nolog=True, mail_notrack=True, mail_create_nosubscribe=True)
        tickets = super(HelpdeskTicket, quiet)._populate(size)
        quiet._populate_history(tickets)
        return tickets

    def _populate_factories(self):
        team_ids = self.env.registry.populated_models['helpdesk.team']
        tag_ids = self.env.registry.populated_models['helpdesk.tag']
        teams = self.env['helpdesk.team'].browse(team_ids)
        members = {team.id: team.member_ids.ids for team in teams}
        stages = {team.id: team.stage_ids for team in teams}
        customer_ids = self.env['res.partner'].search([('email', '=like', '%@' + CUSTOMER_EMAIL_DOMAIN)]).ids
        weights = {self.env.ref('helpdesk_ce.' + xmlid).id: weight for xmlid, weight in STAGE_WEIGHTS.items()}

        def get_name(random, counter, **kwargs):
            return '%s (%s)' % (random.choice(SUBJECTS), counter)

        def get_stage(random, values, **kwargs):
            team_stages = stages[values['team_id']]
            return random.choices(team_stages.ids, [weights.get(stage.id, 5) for stage in team_stages])[0]

        def get_user(random, values, **kwargs):
            agents = members[values['team_id']]
            return random.choice(agents) if agents and random.random() < 0.8 else False

        def get_partner(random, **kwargs):
            return random.choice(customer_ids) if customer_ids and random.random() < 0.9 else False

        def get_tags(random, **kwargs):
            return [Command.set(random.sample(tag_ids, random.choice([0, 0, 1, 1, 2])))]

        return [
            ('team_id', populate.randomize(team_ids)),
            ('name', populate.compute(get_name)),
            ('priority', populate.randomize(['0', '1', '2', '3'], [0.5, 0.3, 0.15, 0.05])),
            ('stage_id', populate.compute(get_stage)),
            ('user_id', populate.compute(get_user)),
            ('partner_id', populate.compute(get_partner)),
            ('tag_ids', populate.compute(get_tags)),
        ]

    def _populate_history(self, tickets):
        """Spread the tickets over the last year, as if they had lived: creation, assignment, first reply,
        closing, then measure them and their SLA statuses the way the live events would have."""
        rand = populate.Random('helpdesk.ticket+history')
        now = fields.Datetime.now()
        self.env.flush_all()  # the values computed at creation must not land over the history
        for count, chunk in enumerate(split_every(1000, tickets.ids, self.browse), 1):
            _logger.info('Helpdesk ticket history: %s/%s', min(count * 1000, len(tickets)), len(tickets))
            rows = []
            for ticket in chunk:
                # closed tickets spread over the year; open ones are mostly recent
                age = rand.randint(0, 365 * 86400) if ticket.is_closed else min(
                    365 * 86400, int(rand.expovariate(1 / (4 * 86400))))
                created = now - timedelta(seconds=age)
                closed = ticket.is_closed and min(now, created + timedelta(hours=rand.expovariate(1 / 60)))
                end = closed or now
                assigned = ticket.user_id and min(end, created + timedelta(hours=rand.expovariate(1 / 6)))
                replied = rand.random() < 0.85 and min(end, created + timedelta(hours=rand.expovariate(1 / 10)))
                rows.append((ticket.id, created, assigned or None, replied or None, closed or None))
            execute_values(self.env.cr._obj, """
                UPDATE helpdesk_ticket t
                   SET create_date = v.created, write_date = v.created, assign_date = v.assigned,
                       last_assign_date = v.assigned,
                       first_response_date = v.replied, close_date = v.closed
                  FROM (VALUES %s) AS v(id, created, assigned, replied, closed)
                 WHERE t.id = v.id
            """, rows, template='(%s, %s::timestamp, %s::timestamp, %s::timestamp, %s::timestamp)')
            chunk.invalidate_recordset([
                'create_date', 'write_date', 'assign_date', 'last_assign_date', 'first_response_date', 'close_date'])
            for fname in ('assign_hours', 'close_hours', 'first_response_hours'):
                self.env.add_to_compute(self._fields[fname], chunk)
            self._populate_sla_history(chunk, now)
            self._populate_ratings(chunk, rand)
            self.env.flush_all()  # odoo-bin populate commits each model once populated

    def _populate_sla_history(self, tickets, now):
        Status = self.env['helpdesk.sla.status']
        statuses = tickets.sla_status_ids.filtered(lambda s: not s.paused_since)
        deadlines = Status._plan_deadlines([(s.ticket_id, s.sla_id, 0.0) for s in statuses])
        rows = []
        for status, deadline in zip(statuses, deadlines):
            ticket = status.ticket_id
            if status.target_type == 'first_response':
                reached = ticket.first_response_date
            elif status.reached_datetime:
                reached = ticket.close_date if status.sla_stage_id.fold else (ticket.assign_date or ticket.create_date)
            else:
                reached = False
            if reached:
                state = 'reached' if deadline and reached <= deadline else 'failed'
            else:
                state = 'failed' if deadline and deadline < now else 'ongoing'
            rows.append((status.id, deadline or None, reached or None, state))
        if rows:
            execute_values(self.env.cr._obj, """
                UPDATE helpdesk_sla_status s
                   SET deadline = v.deadline, reached_datetime = v.reached, status = v.state
                  FROM (VALUES %s) AS v(id, deadline, reached, state)
                 WHERE s.id = v.id
            """, rows, template='(%s, %s::timestamp, %s::timestamp, %s)')
        statuses.invalidate_recordset(['deadline', 'reached_datetime', 'status'])
        self.env.add_to_compute(self._fields['sla_deadline'], tickets)
        self.env.add_to_compute(self._fields['sla_fail'], tickets)

    def _populate_ratings(self, tickets, rand):
        """A third of the closed tickets of rating teams got a rating from their customer."""
        rated = tickets.filtered(
            lambda t: t.is_closed and t.team_id.use_rating and t.partner_id and rand.random() < 0.3)
        if not rated:
            return
        model_id = self.env['ir.model']._get_id(self._name)
        ratings = self.env['rating.rating'].create([{
            'res_model_id': model_id,
            'res_id': ticket.id,
            'partner_id': ticket.partner_id.id,
            'rated_partner_id': ticket.user_id.partner_id.id,
            'rating': rand.choices([5, 3, 1], [0.7, 0.2, 0.1])[0],
            'consumed': True,
        } for ticket in rated])
        self.env.flush_all()
        now = fields.Datetime.now()
        execute_values(self.env.cr._obj, """
            UPDATE rating_rating r SET create_date = v.rated, write_date = v.rated
              FROM (VALUES %s) AS v(id, rated) WHERE r.id = v.id
        """, [(rating.id, min(now, ticket.close_date + timedelta(hours=rand.randint(1, 72))))
              for rating, ticket in zip(ratings, rated)], template='(%s, %s::timestamp)')
        ratings.invalidate_recordset(['create_date', 'write_date'])
        self.env.add_to_compute(self._fields['rating_last_value'], rated)
