import json
from datetime import datetime

from odoo.tests import HttpCase, tagged
from odoo.tests.common import warmup

from .common import HelpdeskSLACommon

# what the dashboard's kanban card reads
DASHBOARD_FIELDS = [
    'name', 'color', 'privacy_visibility', 'alias_email', 'use_sla', 'use_rating',
    'open_ticket_count', 'unassigned_ticket_count', 'urgent_ticket_count', 'my_ticket_count',
    'sla_failed_ticket_count', 'dashboard_rating_avg', 'dashboard_graph_data', 'dashboard_insight',
]
WEDNESDAY = datetime(2024, 1, 10, 12, 0)


@tagged('post_install', '-at_install')
class TestDashboard(HelpdeskSLACommon):

    def _rate(self, ticket, value, when, rated_partner=None):
        with self._at(when):
            rating = self.env['rating.rating'].create({
                'res_model_id': self.env['ir.model']._get_id('helpdesk.ticket'),
                'res_id': ticket.id,
                'partner_id': ticket.partner_id.id,
                'rated_partner_id': rated_partner.id if rated_partner else False,
            })
            rating.write({'rating': value, 'consumed': True})

    def test_counters(self):
        self._create_sla(time=2)
        with self._at('2024-01-08 10:00:00'):
            mine = self._create_ticket(self.team, user_id=self.agent.id)
            urgent = self._create_ticket(self.team, priority='3')
            self._create_ticket(self.team, stage_id=self.stage_solved.id, priority='3')
        with self._at('2024-01-08 13:00:00'):
            self.env['helpdesk.sla.status']._cron_fail_overdue()
            urgent.stage_id = self.stage_progress
        team = self.team.with_user(self.agent)
        self.assertEqual(team.open_ticket_count, 2)
        self.assertEqual(team.unassigned_ticket_count, 1)
        self.assertEqual(team.urgent_ticket_count, 1)
        self.assertEqual(team.my_ticket_count, 1)
        self.assertEqual(team.sla_failed_ticket_count, 2, "open tickets only")
        action = team.with_context(ticket_counter='sla_failed').action_view_tickets()
        self.assertEqual(self.env['helpdesk.ticket'].search(action['domain']), mine | urgent)
        # each counter counts what its link opens
        Ticket = self.env['helpdesk.ticket'].with_user(self.agent)
        for counter in ('open', 'unassigned', 'urgent', 'sla_failed', 'my'):
            action = team.with_context(ticket_counter=counter).action_view_tickets()
            self.assertEqual(team['%s_ticket_count' % counter], Ticket.search_count(action['domain']), counter)

    def test_rating_over_seven_days(self):
        self.team.use_rating = True
        customer = self.env['res.partner'].create({'name': 'Rita'})
        tickets = [self._create_ticket(self.team, partner_id=customer.id) for _n in range(3)]
        self._rate(tickets[0], 5, '2024-01-09 10:00:00')
        self._rate(tickets[1], 3, '2024-01-04 10:00:00')
        self._rate(tickets[2], 1, '2023-12-20 10:00:00')  # too old
        with self._at(WEDNESDAY):
            self.team.invalidate_recordset(['dashboard_rating_avg'])
            self.assertEqual(self.team.dashboard_rating_avg, 4)
            self.assertEqual(self.team_public.dashboard_rating_avg, 0)

    def test_opened_and_closed_per_day(self):
        with self._at('2024-01-03 10:00:00'):  # more than 7 days ago
            old = self._create_ticket(self.team)
        with self._at('2024-01-08 10:00:00'):
            monday = self._create_ticket(self.team)
            self._create_ticket(self.team)
        with self._at('2024-01-09 23:30:00'):  # still Tuesday in UTC, Wednesday in Brussels
            late = self._create_ticket(self.team)
        with self._at('2024-01-10 09:00:00'):
            (old | monday).stage_id = self.stage_solved
        with self._at(WEDNESDAY):
            graph = json.loads(self.team.with_context(tz='UTC').dashboard_graph_data)
            brussels = json.loads(self.team.with_context(tz='Europe/Brussels').dashboard_graph_data)
        self.assertEqual([day['date'] for day in graph], [
            '2024-01-04', '2024-01-05', '2024-01-06', '2024-01-07', '2024-01-08', '2024-01-09', '2024-01-10'])
        self.assertEqual([(day['opened'], day['closed']) for day in graph],
                         [(0, 0), (0, 0), (0, 0), (0, 0), (2, 0), (1, 0), (0, 2)])
        self.assertEqual([(day['opened'], day['closed']) for day in brussels][-2:], [(0, 0), (1, 2)])
        self.assertTrue(late)

    def test_card_action_is_the_whole_pipeline(self):
        """Clicking the card opens every ticket of the team, grouped by all its stages, folded ones included."""
        solved = self._create_ticket(self.team, stage_id=self.stage_solved.id)
        action = self.team.with_user(self.agent).action_view_tickets()
        self.assertEqual(action['domain'], [('team_id', '=', self.team.id)])
        self.assertEqual(action['context'], {'default_team_id': self.team.id}, "no default filter hides closed tickets")
        Ticket = self.env['helpdesk.ticket'].with_user(self.agent).with_context(**action['context'])
        groups = Ticket.web_read_group(action['domain'], ['stage_id'], ['stage_id'])['groups']
        self.assertEqual([g['stage_id'][0] for g in groups], self.team.stage_ids.ids)
        self.assertIn(solved, Ticket.search(action['domain']))
        arch = self.env['helpdesk.team'].get_views([(False, 'kanban')])['views']['kanban']['arch']
        self.assertIn('o_kanban_dashboard', arch)
        self.assertIn('action="action_view_tickets"', arch)

    def _insight(self, user):
        team = self.team.with_user(user).with_context(tz='UTC')
        team.invalidate_recordset()
        return json.loads(team.dashboard_insight)

    def test_insight_figures(self):
        """Stages, 7/30-day resolution and time to close, SLA success, satisfaction, and My performance."""
        self.team.use_rating = True
        customer = self.env['res.partner'].create({'name': 'Ivy Customer'})
        with self._at('2023-12-20 10:00:00'):  # a Wednesday, 21 days before
            old = self.env['helpdesk.ticket'].create([
                {'name': 'Old %s' % n, 'team_id': self.team.id, 'user_id': self.agent_2.id, 'partner_id': customer.id}
                for n in range(2)])
        with self._at('2024-01-02 10:00:00'):
            old.stage_id = self.stage_solved  # 72 working hours each
        self._create_sla(time=8)
        with self._at('2024-01-08 10:00:00'):
            t1, t2, t3, t4 = self.env['helpdesk.ticket'].create([
                {'name': 'T%s' % n, 'team_id': self.team.id, 'partner_id': customer.id,
                 'user_id': user.id}
                for n, user in enumerate([self.agent, self.agent, self.agent_2, self.agent], 1)])
        with self._at('2024-01-09 09:30:00'):
            (t1 | t2).stage_id = self.stage_solved  # 7.5 working hours, SLA reached in time
        with self._at('2024-01-09 11:00:00'):
            t3.stage_id = self.stage_progress
        with self._at(WEDNESDAY):
            self.env['helpdesk.sla.status']._cron_fail_overdue()  # t3 and t4 missed Tuesday 10:00
        self.assertEqual(t4.sla_status_ids.status, 'failed')
        for ticket, value, partner, when in ((t1, 5, self.agent, '2024-01-09 12:00:00'),
                                             (t2, 1, self.agent, '2024-01-09 12:00:00'),
                                             (old[0], 5, self.agent_2, '2024-01-02 12:00:00')):
            self._rate(ticket, value, when, rated_partner=partner.partner_id)

        with self._at(WEDNESDAY):
            insight = self._insight(self.agent)
            rating_avg = self.team.with_context(tz='UTC').dashboard_rating_avg
            other = self._insight(self.agent_2)
        self.assertEqual([(s['name'], s['count']) for s in insight['stages']],
                         [('New', 1), ('In Progress', 1), ('Waiting', 0)], "open tickets of the open stages")
        week, month = insight['periods']
        self.assertEqual((week['days'], week['resolution_rate'], week['close_hours']), (7, 50, 7.5))
        self.assertEqual((month['days'], month['resolution_rate']), (30, 67))
        self.assertAlmostEqual(month['close_hours'], 39.8, places=1)
        self.assertEqual(insight['sla_success_rate'], 50, "2 reached in time, 2 failed")
        self.assertEqual(insight['satisfaction_rate'], 67, "2 positive ratings out of 3")
        self.assertEqual(rating_avg, 3)
        self.assertEqual(insight['my'], {'open': 1, 'close_hours': 7.5, 'satisfaction_rate': 50, 'show': True})
        self.assertEqual(other['my'], {'open': 1, 'close_hours': 72.0, 'satisfaction_rate': 100, 'show': True})

    def test_insight_leaves_out_unused_features(self):
        self.team.write({'use_sla': False, 'use_rating': False})
        insight = self._insight(self.agent)
        self.assertNotIn('sla_success_rate', insight)
        self.assertNotIn('satisfaction_rate', insight)
        self.assertEqual([p['resolution_rate'] for p in insight['periods']], [None, None], "no data is not 0%")
        self.assertFalse(self._insight(self.agent_2)['my']['show'], "no ticket of the team: no My performance")

    def _read_dashboard(self, teams):
        Team = self.env['helpdesk.team'].with_user(self.manager).with_context(tz='UTC')
        return Team.web_search_read([('id', 'in', teams.ids)], {fname: {} for fname in DASHBOARD_FIELDS})

    def _make_teams(self, count):
        teams = self.env['helpdesk.team'].create([
            {'name': 'Dashboard Team %s' % n, 'privacy_visibility': 'internal', 'use_rating': True}
            for n in range(count)])
        tickets = self.env['helpdesk.ticket'].create([
            {'name': 'Ticket %s' % n, 'team_id': team.id, 'priority': str(n % 4), 'user_id': self.agent.id}
            for team in teams for n in range(3)])
        tickets[::3].stage_id = self.stage_solved
        return teams

    @warmup
    def test_query_count_whatever_the_number_of_teams(self):
        self._create_sla(time=2)
        few, many = self._make_teams(2), self._make_teams(10)
        self.env.flush_all()
        counts = []
        for teams in (few, many):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            result = self._read_dashboard(teams)
            counts.append(self.env.cr.sql_log_count - before)
            self.assertEqual(result['length'], len(teams))
        if self.warm:
            self.assertEqual(counts[0], counts[1])
        self.env.invalidate_all()
        # teams (2, with their prefetched fields), aliases, the counters, 2 for the graph, and for the figures:
        # closed tickets, created tickets, SLA statuses, ratings, the teams' stages (relation and names)
        with self.assertQueryCount(12):
            self._read_dashboard(many)


@tagged('post_install', '-at_install')
class TestDashboardTour(HttpCase):

    def test_dashboard_tour(self):
        manager = self.env['res.users'].create({
            'name': 'Tour Manager', 'login': 'tour_hd_manager', 'password': 'tour_hd_manager',
            'groups_id': [(6, 0, self.env.ref('helpdesk_ce.group_helpdesk_manager').ids)],
        })
        team = self.env['helpdesk.team'].create({
            'name': 'Dashboard Tour Team', 'privacy_visibility': 'internal', 'member_ids': [(4, manager.id)]})
        self.env['helpdesk.sla'].create({
            'name': 'Answer fast', 'team_id': team.id, 'stage_id': self.env.ref('helpdesk_ce.stage_solved').id,
            'time': 1})
        late, on_time = self.env['helpdesk.ticket'].create([
            {'name': 'Late ticket', 'team_id': team.id},
            {'name': 'On time ticket', 'team_id': team.id},
        ])
        late.sla_status_ids.deadline = datetime(2024, 1, 1)
        self.env['helpdesk.sla.status']._cron_fail_overdue()
        self.assertTrue(late.sla_fail)
        self.assertFalse(on_time.sla_fail)
        self.start_tour('/web', 'helpdesk_ce_dashboard_tour', login='tour_hd_manager')

    def test_card_opens_the_pipeline(self):
        agent = self.env['res.users'].create({
            'name': 'Pipeline Agent', 'login': 'tour_hd_pipeline', 'password': 'tour_hd_pipeline',
            'groups_id': [(6, 0, self.env.ref('helpdesk_ce.group_helpdesk_user').ids)],
        })
        team = self.env['helpdesk.team'].create({
            'name': 'Pipeline Team', 'privacy_visibility': 'internal', 'member_ids': [(4, agent.id)]})
        tickets = self.env['helpdesk.ticket'].create([
            {'name': 'Pipeline open ticket', 'team_id': team.id, 'user_id': agent.id},
            {'name': 'Pipeline new ticket', 'team_id': team.id},
            {'name': 'Pipeline solved ticket', 'team_id': team.id},
            {'name': 'Pipeline solved ticket 2', 'team_id': team.id},
        ])
        tickets[2:].stage_id = self.env.ref('helpdesk_ce.stage_solved')
        self.start_tour('/web', 'helpdesk_ce_team_pipeline_tour', login='tour_hd_pipeline')
