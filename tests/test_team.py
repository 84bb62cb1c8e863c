from ast import literal_eval

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

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


@tagged('post_install', '-at_install')
class TestTeamPublicForm(HelpdeskCommon):
    """Finding a team's public form: the default, the URL and the button on the team."""

    def test_public_team_offers_its_form(self):
        team = self.env['helpdesk.team'].create({'name': 'Fresh'})
        self.assertTrue(team.use_website_helpdesk_form, "a new public team offers its form")
        team.privacy_visibility = 'internal'
        self.assertFalse(team.use_website_helpdesk_form, "only public teams have a form")
        self.assertFalse(team.website_form_url)
        team.privacy_visibility = 'portal'
        self.assertTrue(team.use_website_helpdesk_form)
        team.use_website_helpdesk_form = False
        team.name = 'Renamed'
        self.assertFalse(team.use_website_helpdesk_form, "turned off, it stays off")
        internal = self.env['helpdesk.team'].create({'name': 'Inside', 'privacy_visibility': 'internal'})
        self.assertFalse(internal.use_website_helpdesk_form)
        explicit = self.env['helpdesk.team'].create({'name': 'No form', 'use_website_helpdesk_form': False})
        self.assertFalse(explicit.use_website_helpdesk_form, "a value given at creation is kept")

    def test_form_url_and_button(self):
        team = self.env['helpdesk.team'].create({'name': 'VIP Support'})
        base_url = team.get_base_url()
        self.assertEqual(team.website_form_url, '%s/helpdesk/vip-support-%s' % (base_url, team.id))
        action = team.with_user(self.manager).action_open_website_form()
        self.assertEqual(action, {'type': 'ir.actions.act_url', 'url': '/helpdesk/vip-support-%s' % team.id,
                                  'target': 'new'})
        team.use_website_helpdesk_form = False
        self.assertFalse(team.website_form_url)
        with self.assertRaises(UserError):
            team.action_open_website_form()

    def test_team_form_shows_button_and_url(self):
        """In the team form, the button and the URL follow the switches."""
        team = self.env['helpdesk.team'].create({'name': 'VIP Support'})
        with Form(team.with_user(self.manager)) as form:
            self.assertTrue(form.website_form_url)
            form.use_website_helpdesk_form = False
            self.assertFalse(form.website_form_url)
            form.use_website_helpdesk_form = True
            form.privacy_visibility = 'internal'
            self.assertFalse(form.website_form_url)
            self.assertFalse(form.use_website_helpdesk_form)
        arch = self.env['helpdesk.team'].get_view(view_type='form')['arch']
        self.assertIn('name="action_open_website_form"', arch)
        self.assertIn('name="website_form_url"', arch)
