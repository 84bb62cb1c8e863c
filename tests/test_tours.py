from odoo.tests import HttpCase, new_test_user, tagged


@tagged('post_install', '-at_install')
class TestTours(HttpCase):

    def test_agent_ticket_kanban(self):
        agent = new_test_user(self.env, 'tour_agent', groups='helpdesk_ce.group_helpdesk_user', name='Tour Agent')
        team = self.env['helpdesk.team'].create({
            'name': 'Tour Team', 'privacy_visibility': 'internal', 'member_ids': [(4, agent.id)]})
        self.start_tour('/web', 'helpdesk_ce_ticket_kanban_tour', login='tour_agent')
        ticket = self.env['helpdesk.ticket'].search([('name', '=', 'Screen stays black')])
        self.assertEqual(ticket.team_id, team)
        self.assertEqual(ticket.stage_id, team.stage_ids[1])
        self.assertEqual(ticket.create_uid, agent)

    def test_manager_creates_public_team(self):
        new_test_user(self.env, 'tour_manager', groups='helpdesk_ce.group_helpdesk_manager', name='Tour Manager')
        self.start_tour('/web', 'helpdesk_ce_team_create_tour', login='tour_manager')
        team = self.env['helpdesk.team'].search([('name', '=', 'VIP Support')])
        self.assertEqual(team.privacy_visibility, 'portal')
        self.assertTrue(team.use_website_helpdesk_form)
        self.assertEqual(team.stage_ids, self.env.ref('helpdesk_ce.helpdesk_team_customer_care').stage_ids)
