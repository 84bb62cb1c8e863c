from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import HelpdeskCommon, HelpdeskHttpCommon


@tagged('post_install', '-at_install')
class TestTicketAssign(HelpdeskCommon):
    """Action > Assign on the ticket list, and who the Assigned to field offers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # names sort the outsider first: only the team ordering puts the members before him
        cls.outsider = new_test_user(cls.env, 'hd_agent_aaron', groups='helpdesk_ce.group_helpdesk_user',
                                     name='Aaron Outsider')
        cls.team_company.member_ids = [(6, 0, cls.agent_2.ids)]
        cls.team_public.member_ids = [(6, 0, cls.agent.ids)]

    def _wizard_form(self, tickets, user=None):
        action = self.env.ref('helpdesk_ce.helpdesk_ticket_assign_action')
        self.assertEqual(action.binding_model_id.model, 'helpdesk.ticket')
        self.assertEqual(action.binding_view_types, 'list')
        return Form(self.env['helpdesk.ticket.assign'].with_user(user or self.agent).with_context(
            active_model='helpdesk.ticket', active_ids=tickets.ids, default_ticket_ids=tickets.ids))

    def test_assign_selected_tickets(self):
        tickets = self._create_ticket(self.team_company) | self._create_ticket(self.team_public, user_id=self.agent.id)
        form = self._wizard_form(tickets)
        form.user_id = self.agent_2
        wizard = form.save()
        self.assertEqual(wizard.team_member_ids, self.agent | self.agent_2)
        self.assertEqual(wizard.action_assign(), {'type': 'ir.actions.act_window_close'})
        self.assertEqual(tickets.user_id, self.agent_2)

    def test_team_agents_first(self):
        ticket = self._create_ticket(self.team_company)
        wizard = self.env['helpdesk.ticket.assign'].with_user(self.agent).create({'ticket_ids': [(6, 0, ticket.ids)]})
        Users = self.env['res.users'].with_user(self.agent)
        domain = self.env['helpdesk.ticket.assign'].fields_get(['user_id'])['user_id']['domain']
        plain = [name for _id, name in Users.name_search('', domain, limit=None)]
        self.assertLess(plain.index('Aaron Outsider'), plain.index('Agent Jones'))
        ordered = Users.with_context(helpdesk_team_ids_first=wizard.team_ids.ids).name_search('', domain)
        names = [name for _id, name in ordered]
        self.assertEqual(names[0], 'Agent Jones', "the ticket's team agents come first")
        self.assertEqual(sorted(names), sorted(plain), "then everyone else, once")
        limited = Users.with_context(helpdesk_team_ids_first=wizard.team_ids.ids).name_search('Agent', domain, limit=1)
        self.assertEqual([name for _id, name in limited], ['Agent Jones'])
        # on the ticket form too, with the ticket's team
        arch = etree.fromstring(self.env['helpdesk.ticket'].get_view(view_type='form')['arch'])
        self.assertIn('helpdesk_team_ids_first', arch.xpath('//field[@name="user_id"]')[0].get('context'))

    def test_only_agents(self):
        ticket = self._create_ticket(self.team_company)
        form = self._wizard_form(ticket)
        form.user_id = self.internal
        with self.assertRaises(UserError):
            form.save().action_assign()
        self.assertFalse(ticket.user_id)

    def test_denied_side(self):
        ticket = self._create_ticket(self.team_company)
        with self.assertRaises(AccessError):
            self.env['helpdesk.ticket.assign'].with_user(self.internal).create({
                'ticket_ids': [(6, 0, ticket.ids)], 'user_id': self.agent.id})
        private = self._create_ticket(self.team_private)
        wizard = self.env['helpdesk.ticket.assign'].with_user(self.agent).create({
            'ticket_ids': [(6, 0, private.ids)], 'user_id': self.agent.id})
        with self.assertRaises(AccessError):
            wizard.action_assign()
        self.assertFalse(private.user_id)

    def test_assigned_to_offers_agents_only(self):
        """The views keep the field's domain: helpdesk agents, not every internal user."""
        Ticket = self.env['helpdesk.ticket'].with_user(self.agent)
        views = Ticket.get_views([(False, 'form'), (False, 'list'), (False, 'kanban'),
                                  (self.env.ref('helpdesk_ce.helpdesk_ticket_view_form_quick_create').id, 'form')])
        for view_type, view in views['views'].items():
            for node in etree.fromstring(view['arch']).xpath('//field[@name="user_id"]'):
                self.assertFalse(node.get('domain'), "%s view overrides the domain" % view_type)
        domain = views['models']['helpdesk.ticket']['user_id']['domain']
        own_scope = new_test_user(self.env, 'hd_agent_own', groups='helpdesk_ce.group_helpdesk_user_own',
                                  name='Agent Own Scope')
        offered = self.env['res.users'].with_user(self.agent).search(domain)
        self.assertIn(self.agent, offered)
        self.assertIn(own_scope, offered, "every helpdesk agent, whatever their scope")
        self.assertIn(self.manager, offered)
        self.assertNotIn(self.internal, offered)
        self.assertNotIn(self.portal, offered)


@tagged('post_install', '-at_install')
class TestTicketAssignTour(HelpdeskHttpCommon):

    def test_tour_assign_to_chosen_agent(self):
        new_test_user(self.env, 'hd_agent_aaron', groups='helpdesk_ce.group_helpdesk_user', name='Aaron Outsider')
        teammate = new_test_user(self.env, 'hd_teammate', groups='helpdesk_ce.group_helpdesk_user',
                                 name='Tour Teammate')
        self.team_company.member_ids = [(6, 0, teammate.ids)]
        tickets = self.env['helpdesk.ticket'].create([
            {'name': name, 'team_id': self.team_company.id} for name in ('Keyboard missing keys', 'Monitor flickers')])
        self.start_tour('/web', 'helpdesk_ce_ticket_assign_wizard_tour', login='hd_agent')
        self.assertEqual(tickets.user_id, teammate)
