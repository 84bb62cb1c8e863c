from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import HelpdeskCommon


@tagged('post_install', '-at_install')
class TestConvertLead(HelpdeskCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        groups = 'helpdesk_ce.group_helpdesk_user,sales_team.group_sale_salesman'
        cls.salesman = new_test_user(cls.env, 'hd_salesman', groups=groups, name='Sally Sales',
                                     email='sally@example.com')
        cls.salesman_leads = new_test_user(cls.env, 'hd_salesman_leads', groups=groups + ',crm.group_use_lead',
                                           name='Larry Leads', email='larry@example.com')
        cls.sales_team = cls.env['crm.team'].create({
            'name': 'Support Sales', 'member_ids': [(6, 0, (cls.salesman | cls.salesman_leads).ids)]})
        cls.customer = cls.env['res.partner'].create(
            {'name': 'Carla Customer', 'email': 'carla@example.com', 'phone': '+32 470 12 34 56'})
        cls.ticket = cls._create_ticket(
            cls.team_company, name='Need 40 more printers', partner_id=cls.customer.id,
            description='<p>We are opening a new office and want a quote.</p>')

    def _wizard(self, user, ticket=None, **values):
        ticket = ticket or self.ticket
        action = ticket.with_user(user).action_open_convert_lead()
        wizard = self.env[action['res_model']].with_user(user).with_context(**action['context']).create(values)
        return action, wizard

    def test_labels_follow_the_leads_setting(self):
        view = self.env.ref('helpdesk_ce.helpdesk_ticket_view_form')
        arches = {
            user: self.env['helpdesk.ticket'].with_user(user).get_view(view.id, 'form')['arch']
            for user in (self.salesman, self.salesman_leads, self.agent)
        }
        self.assertIn('Convert to Opportunity', arches[self.salesman])
        self.assertIn('Convert to Lead', arches[self.salesman_leads])
        self.assertNotIn('action_open_convert_lead', arches[self.agent], "no button without sales rights")
        self.assertEqual(self.ticket.with_user(self.salesman).lead_conversion_type, 'opportunity')
        self.assertEqual(self.ticket.with_user(self.salesman_leads).lead_conversion_type, 'lead')
        self.assertFalse(self.ticket.with_user(self.agent).lead_conversion_type)
        action, wizard = self._wizard(self.salesman_leads)
        self.assertEqual((action['name'], wizard.lead_type), ('Convert to Lead', 'lead'))
        action, wizard = self._wizard(self.salesman)
        self.assertEqual((action['name'], wizard.lead_type), ('Convert to Opportunity', 'opportunity'))

    def test_convert_linking_the_existing_customer(self):
        _action, wizard = self._wizard(self.salesman)
        self.assertEqual(wizard.action, 'exist')
        self.assertEqual(wizard.partner_id, self.customer, "prefilled with the matching partner")
        self.assertEqual(wizard.user_id, self.salesman)
        self.assertEqual(wizard.team_id, self.sales_team)
        result = wizard.action_convert()

        lead = self.env['crm.lead'].browse(result['res_id'])
        self.assertEqual(result['res_model'], 'crm.lead')
        self.assertEqual(lead.type, 'opportunity')
        self.assertEqual(lead.name, 'Need 40 more printers')
        self.assertIn('new office', lead.description)
        self.assertEqual(lead.partner_id, self.customer)
        self.assertEqual((lead.email_from, lead.phone), ('carla@example.com', '+32 470 12 34 56'))
        self.assertEqual((lead.team_id, lead.user_id), (self.sales_team, self.salesman))
        # both chatters link the other record; the ticket is archived and knows its lead
        self.assertTrue(any(
            'data-oe-model="helpdesk.ticket"' in body and 'data-oe-id="%s"' % self.ticket.id in body
            for body in lead.message_ids.mapped('body')))
        self.assertTrue(any(
            'data-oe-model="crm.lead"' in body and 'data-oe-id="%s"' % lead.id in body
            for body in self.ticket.message_ids.mapped('body')))
        self.assertFalse(self.ticket.active)
        self.assertEqual(self.ticket.lead_id, lead)
        with self.assertRaisesRegex(UserError, 'already converted'):
            self._wizard(self.salesman)[1].action_convert()

    def test_convert_matching_an_email(self):
        ticket = self._create_ticket(self.team_company, partner_name='Carla C.', partner_email='CARLA@example.com')
        _action, wizard = self._wizard(self.salesman_leads, ticket)
        self.assertEqual((wizard.action, wizard.partner_id), ('exist', self.customer))
        lead = self.env['crm.lead'].browse(wizard.action_convert()['res_id'])
        self.assertEqual((lead.type, lead.partner_id), ('lead', self.customer))

    def test_convert_creating_a_customer(self):
        self.stage_new.template_id = False  # the acknowledgement would make a contact of Nina's address
        ticket = self._create_ticket(self.team_company, partner_name='Nina New', partner_email='nina@example.com',
                                     partner_phone='+32 2 555 00 00')
        _action, wizard = self._wizard(self.salesman, ticket)
        self.assertEqual((wizard.action, wizard.partner_id.id), ('create', False))
        lead = self.env['crm.lead'].browse(wizard.action_convert()['res_id'])
        self.assertEqual(lead.partner_id.name, 'Nina New')
        self.assertEqual(lead.partner_id.email, 'nina@example.com')
        self.assertEqual(lead.contact_name, 'Nina New')

    def test_convert_without_customer(self):
        anonymous = self._create_ticket(self.team_company, name='Anonymous question')
        _action, wizard = self._wizard(self.salesman, anonymous)
        self.assertEqual(wizard.action, 'nothing')
        lead = self.env['crm.lead'].browse(wizard.action_convert()['res_id'])
        self.assertFalse(lead.partner_id)
        # choosing "no customer" leaves the ticket's customer out too, but keeps the contact data
        _action, wizard = self._wizard(self.salesman, action='nothing')
        self.assertFalse(wizard.partner_id)
        lead = self.env['crm.lead'].browse(wizard.action_convert()['res_id'])
        self.assertFalse(lead.partner_id)
        self.assertEqual(lead.email_from, 'carla@example.com')

    def test_convert_access_rights(self):
        # an agent without sales rights neither sees nor opens nor runs the conversion
        with self.assertRaises(AccessError):
            self.ticket.with_user(self.agent).action_open_convert_lead()
        with self.assertRaises(AccessError):
            self.env['helpdesk.ticket.convert.lead'].with_user(self.agent).create({'ticket_id': self.ticket.id})
        wizard = self.env['helpdesk.ticket.convert.lead'].create({'ticket_id': self.ticket.id})
        with self.assertRaises(AccessError):
            wizard.with_user(self.agent).action_convert()
        # a salesman cannot convert a ticket of a private team they do not see
        hidden = self._create_ticket(self.team_private, partner_id=self.customer.id)
        wizard = self.env['helpdesk.ticket.convert.lead'].with_user(self.salesman).create(
            {'ticket_id': hidden.id, 'action': 'nothing'})
        with self.assertRaises(AccessError):
            wizard.action_convert()
        self.assertFalse(self.env['crm.lead'].search([('name', '=', hidden.name)]))
        self.assertTrue(hidden.active)

    def test_convert_all_or_nothing(self):
        _action, wizard = self._wizard(self.salesman)

        def fail(*args, **kwargs):
            raise ConnectionError('Mail server on fire')

        with patch.object(type(self.env['crm.lead']), 'message_post_with_source', fail), \
                self.assertRaisesRegex(ConnectionError, 'on fire'):
            wizard.action_convert()
        self.assertFalse(self.env['crm.lead'].search([('name', '=', 'Need 40 more printers')]))
        self.assertTrue(self.ticket.active)
        self.assertFalse(self.ticket.lead_id)


@tagged('post_install', '-at_install')
class TestConvertLeadTour(HttpCase):

    def test_convert_from_the_form(self):
        salesman = new_test_user(
            self.env, 'convert_salesman', name='Sally Sales',
            groups='helpdesk_ce.group_helpdesk_user,sales_team.group_sale_salesman')
        team = self.env['helpdesk.team'].create({'name': 'Tour Team', 'privacy_visibility': 'internal'})
        customer = self.env['res.partner'].create({'name': 'Carla Customer', 'email': 'carla@example.com'})
        # no acknowledgement: sending it would make a contact of Nina's address before the conversion
        self.env.ref('helpdesk_ce.stage_new').template_id = False
        ticket = self.env['helpdesk.ticket'].create({
            'name': 'Quote for 40 printers', 'team_id': team.id,
            'partner_name': 'Nina New', 'partner_email': 'nina@example.com'})
        self.start_tour('/web#model=helpdesk.ticket&id=%s&view_type=form' % ticket.id,
                        'helpdesk_ce_ticket_convert_lead_tour', login='convert_salesman')
        lead = self.env['crm.lead'].search([('name', '=', 'Quote for 40 printers')])
        self.assertEqual((lead.type, lead.partner_id, lead.user_id), ('opportunity', customer, salesman))
        self.assertEqual(ticket.lead_id, lead)
        self.assertFalse(ticket.active)
