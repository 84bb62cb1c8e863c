from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, HttpCase, new_test_user, tagged, users

from odoo.addons.mail.tests.common import MailCommon

from .common import TICKET_MAIL, HelpdeskCommon


@tagged('post_install', '-at_install')
class TestCategoryRouting(HelpdeskCommon, MailCommon):
    """A category naming a team routes its tickets there, whatever the channel."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.billing = cls.env['helpdesk.team'].with_context(mail_create_nosubscribe=True).create({
            'name': 'Billing', 'privacy_visibility': 'internal', 'alias_name': 'hd.billing',
            'auto_assignment': True, 'member_ids': [Command.set((cls.agent | cls.agent_2).ids)],
        })
        cls.invoices = cls.env['helpdesk.ticket.category'].create({'name': 'Invoices', 'team_id': cls.billing.id})
        cls.question = cls.env['helpdesk.ticket.category'].create({'name': 'Question'})

    @users('hd_agent')
    def test_create_in_category_lands_in_its_team_and_is_assigned(self):
        ticket = self.env['helpdesk.ticket'].create({
            'name': 'Wrong amount', 'team_id': self.team_company.id, 'category_id': self.invoices.id})
        self.assertEqual(ticket.team_id, self.billing, "the category's team wins over the team given")
        self.assertEqual(ticket.stage_id, self.billing.stage_ids[:1])
        self.assertIn(ticket.user_id, self.agent | self.agent_2, "assigned by the team's method")
        plain = self.env['helpdesk.ticket'].create({
            'name': 'How to?', 'team_id': self.team_company.id, 'category_id': self.question.id})
        self.assertEqual(plain.team_id, self.team_company, "a category without team routes nothing")
        self.assertFalse(plain.user_id)

    def test_recategorised_ticket_moves_and_is_reassigned(self):
        ticket = self._create_ticket(self.team_company, user_id=self.manager.id, category_id=self.question.id)
        ticket.with_user(self.agent).category_id = self.invoices
        self.assertEqual(ticket.team_id, self.billing)
        self.assertIn(ticket.user_id, self.agent | self.agent_2, "the new team's method assigns it")
        # a category change that keeps the team keeps the assignee
        self.env['helpdesk.ticket.category'].create({'name': 'Refunds', 'team_id': self.billing.id})
        assignee = ticket.user_id
        ticket.category_id = self.env['helpdesk.ticket.category'].search([('name', '=', 'Refunds')])
        self.assertEqual(ticket.user_id, assignee)
        # an assignee chosen in the same write wins
        other = self._create_ticket(self.team_company, category_id=self.question.id)
        other.write({'category_id': self.invoices.id, 'user_id': self.manager.id})
        self.assertEqual((other.team_id, other.user_id), (self.billing, self.manager))

    def test_batch_create_routes_each_ticket(self):
        tickets = self.env['helpdesk.ticket'].create([
            {'name': 'A', 'team_id': self.team_company.id, 'category_id': self.invoices.id},
            {'name': 'B', 'team_id': self.team_company.id},
            {'name': 'C', 'team_id': self.team_public.id, 'category_id': self.invoices.id},
        ])
        self.assertEqual(tickets.mapped('team_id'), self.billing | self.team_company)
        self.assertEqual([t.team_id for t in tickets], [self.billing, self.team_company, self.billing])
        self.assertEqual(set(tickets[0::2].user_id.ids), {self.agent.id, self.agent_2.id}, "spread by the method")

    def test_category_agents_narrow_the_assignment(self):
        """Named agents get the category's tickets, by the team's method, even without automatic assignment."""
        self.billing.auto_assignment = False
        self.invoices.user_ids = self.agent_2
        tickets = self.env['helpdesk.ticket'].create([
            {'name': 'Invoice %s' % n, 'team_id': self.team_company.id, 'category_id': self.invoices.id}
            for n in range(3)])
        self.assertEqual(tickets.user_id, self.agent_2)
        unrouted = self._create_ticket(self.billing)
        self.assertFalse(unrouted.user_id, "other tickets of the team follow the team's setting")
        # named agents who left: nobody is named, the team does not assign, whatever the channel
        self.agent_2.active = False
        created = self._create_ticket(self.team_company, category_id=self.invoices.id)
        recategorised = self._create_ticket(self.billing)
        recategorised.category_id = self.invoices
        self.assertFalse((created | recategorised).user_id)

    def test_mail_with_category_in_alias_defaults(self):
        """The mail gateway creates through the ORM: an alias that files in a category routes too."""
        self.team_public.write({'alias_name': 'hd.public', 'alias_defaults': str(
            {'team_id': self.team_public.id, 'category_id': self.invoices.id})})
        ticket = self.format_and_process(
            TICKET_MAIL, 'Sylvie <sylvie@example.com>', 'hd.public@%s' % self.alias_domain,
            subject='Invoice twice', cc='', extra='', msg_id='<routing-1@example.com>',
            target_model='helpdesk.ticket')
        self.assertEqual(ticket.team_id, self.billing)
        self.assertTrue(ticket.user_id)

    def test_form_shows_the_team_of_the_category(self):
        with Form(self.env['helpdesk.ticket'].with_user(self.agent)) as form:
            form.name = 'Refund please'
            form.team_id = self.team_company
            form.category_id = self.invoices
            self.assertEqual(form.team_id, self.billing)
        self.assertEqual(form.record.team_id, self.billing)

    def test_constraints(self):
        with self.assertRaises(ValidationError):
            self.question.user_ids = self.agent
        other_team = self.env['helpdesk.team'].create({'name': 'Far Team', 'company_id': self.company_2.id})
        with self.assertRaises(ValidationError):
            self.env['helpdesk.ticket.category'].create({
                'name': 'Far', 'company_id': self.company.id, 'team_id': other_team.id})


@tagged('post_install', '-at_install')
class TestCategoryRoutingTour(HttpCase):

    def test_manager_routes_a_category(self):
        new_test_user(self.env, 'tour_route_manager', groups='helpdesk_ce.group_helpdesk_manager',
                      name='Route Manager')
        team = self.env['helpdesk.team'].create({'name': 'Hardware Team', 'privacy_visibility': 'internal'})
        self.env['helpdesk.team'].create({'name': 'Front Desk', 'privacy_visibility': 'internal', 'sequence': 1})
        self.start_tour('/web', 'helpdesk_ce_category_routing_tour', login='tour_route_manager')
        category = self.env['helpdesk.ticket.category'].search([('name', '=', 'Broken hardware')])
        self.assertEqual(category.team_id, team)
        ticket = self.env['helpdesk.ticket'].search([('name', '=', 'Cracked screen')])
        self.assertEqual(ticket.team_id, team)
        self.assertEqual(ticket.category_id, category)
