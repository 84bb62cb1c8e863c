from ast import literal_eval

from odoo.tests import tagged

from .common import HelpdeskCommon


@tagged('post_install', '-at_install')
class TestTeamDashboard(HelpdeskCommon):

    def test_counters_and_their_actions(self):
        team = self.team_company
        self._create_ticket(team, priority='3')
        self._create_ticket(team, user_id=self.agent.id)
        self._create_ticket(team, user_id=self.agent.id, stage_id=self.stage_solved.id)
        self._create_ticket(self.team_public, priority='3')
        team = team.with_user(self.agent)
        team.invalidate_recordset()
        self.assertEqual(
            (team.open_ticket_count, team.unassigned_ticket_count, team.urgent_ticket_count, team.my_ticket_count),
            (2, 1, 1, 1))
        Ticket = self.env['helpdesk.ticket'].with_user(self.agent)
        for counter, expected in (('open', 2), ('unassigned', 1), ('urgent', 1), ('my', 1)):
            with self.subTest(counter=counter):
                action = team.with_context(ticket_counter=counter).action_view_tickets()
                self.assertEqual(Ticket.search_count(action['domain']), expected)
                self.assertEqual(action['context']['default_team_id'], team.id)

    def test_counters_cost_one_query_each(self):
        teams = self.team_company | self.team_public | self.team_private
        for team in teams:
            self._create_ticket(team)
        teams.invalidate_recordset()
        with self.assertQueryCount(4):
            teams.mapped('open_ticket_count')

    def test_new_team_gets_default_stages(self):
        team = self.env['helpdesk.team'].create({'name': 'Fresh'})
        self.assertEqual(team.stage_ids.mapped('name'), ['New', 'In Progress', 'Waiting', 'Solved', 'Cancelled'])
        self.assertEqual(team.privacy_visibility, 'portal')
        self.assertEqual(team.assign_method, 'randomly')
        self.assertFalse(team.auto_assignment)
        self.assertTrue(team.use_sla)
        self.assertEqual(team.auto_close_day, 7)

    def test_alias_creates_tickets_in_team(self):
        team = self.env['helpdesk.team'].create({'name': 'Alias Team', 'alias_name': 'alias-team'})
        self.assertEqual(team.alias_id.alias_model_id.model, 'helpdesk.ticket')
        self.assertEqual(literal_eval(team.alias_id.alias_defaults)['team_id'], team.id)
