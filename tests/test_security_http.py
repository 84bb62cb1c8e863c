"""Tokens and the public form, tried from outside (issue #9, findings 3, 4 and 6)."""
import json

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import HelpdeskHttpCommon


@tagged('post_install', '-at_install', 'security')
class TestTokenShowsWhatTheCustomerSees(HelpdeskHttpCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_public.write({'member_ids': [(4, cls.agent.id)], 'use_website_helpdesk_form': True})
        cls.ticket = cls._create_ticket(cls.team_public, name='Paula printer jam', partner_id=cls.portal.partner_id.id)
        agent_ticket = cls.ticket.with_user(cls.agent)
        cls.reply = agent_ticket.message_post(
            body='We are looking into it.', message_type='comment', subtype_xmlid='mail.mt_comment')
        cls.note = agent_ticket.message_post(
            body='Internal: customer is on a blacklist', message_type='comment', subtype_xmlid='mail.mt_note',
            attachments=[('secret_note.txt', b'TOP SECRET CONTENT')])
        cls.token = cls.ticket._portal_ensure_token()

    def _jsonrpc(self, route, params):
        """The raw JSON-RPC answer: a refusal comes back as an error, never as a result."""
        return self.url_open(route, data=json.dumps({'jsonrpc': '2.0', 'method': 'call', 'id': 0, 'params': params}),
                             headers={'Content-Type': 'application/json'}).json()

    def _fetch(self, ticket, token):
        return self.make_jsonrpc_request('/mail/chatter_fetch', {
            'res_model': 'helpdesk.ticket', 'res_id': ticket.id, 'limit': 50, 'token': token})

    def test_employee_with_the_token_sees_no_internal_note(self):
        """The customer forwards the link to a colleague who happens to be an employee of ours."""
        for login in ('hd_internal', 'hd_agent', None):
            with self.subTest(login=login):
                self.authenticate(login, login)
                messages = self._fetch(self.ticket, self.token)['messages']
                ids = [message['id'] for message in messages]
                self.assertIn(self.reply.id, ids)
                self.assertNotIn(self.note.id, ids)
                self.assertNotIn('secret_note', str(messages))
                page = self.url_open('/my/tickets/%s?access_token=%s' % (self.ticket.id, self.token)).text
                self.assertNotIn('blacklist', page)

    @mute_logger('odoo.http')
    def test_token_refused_outside_public_teams_and_after_merge(self):
        company_ticket = self._create_ticket(
            self.team_company, name='Company matter', partner_id=self.portal.partner_id.id)
        company_token = company_ticket._portal_ensure_token()
        self.authenticate(None, None)
        response = self.url_open('/my/tickets/%s?access_token=%s' % (company_ticket.id, company_token))
        self.assertNotIn('Company matter', response.text)
        self.assertNotIn('result', self._jsonrpc('/mail/chatter_fetch', {
            'res_model': 'helpdesk.ticket', 'res_id': company_ticket.id, 'token': company_token}))
        # merged: the customer's page is the kept ticket's, reached with their own rights or its own token
        target = self._create_ticket(self.team_public, name='Kept ticket', partner_id=self.portal_2.partner_id.id)
        self.env['helpdesk.ticket.merge'].create({
            'ticket_ids': [(6, 0, (self.ticket | target).ids)], 'target_ticket_id': target.id}).action_merge()
        response = self.url_open('/my/tickets/%s?access_token=%s' % (self.ticket.id, self.token))
        self.assertNotIn('Paula printer jam', response.text)
        self.assertNotIn('Kept ticket', response.text)
        self.assertFalse(target._portal_check_token(self.token), "the merged ticket's link opens nothing else")

    @mute_logger('odoo.http')
    def test_chatter_post_with_revoked_token(self):
        old = self.token
        self.ticket.partner_id = self.portal_2.partner_id
        self.authenticate(None, None)
        self.assertNotIn('result', self._jsonrpc('/mail/chatter_post', {
            'res_model': 'helpdesk.ticket', 'res_id': self.ticket.id, 'message': 'hello', 'token': old}))
        self.assertFalse(self.ticket.message_ids.filtered(lambda m: 'hello' in str(m.body)))


@tagged('post_install', '-at_install', 'security')
class TestPublicFormIdentity(HelpdeskHttpCommon):
    """Finding 6: naming someone's address on the public form acted in their name."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_public.write({'use_website_helpdesk_form': True, 'member_ids': [(4, cls.agent.id)]})
        cls.submit_url = '/helpdesk/%s/submit' % cls.team_public.id

    def _submit(self, email, files=None):
        self.authenticate(None, None)
        return self.url_open(self.submit_url, data={
            'partner_name': 'Someone', 'partner_email': email, 'name': 'Impersonation %s' % email,
            'description': 'Please reset my password', 'csrf_token': self._csrf_token(),
        }, files=files)

    def _ticket(self, email):
        return self.env['helpdesk.ticket'].search([('name', '=', 'Impersonation %s' % email)])

    def test_employee_address_is_never_used(self):
        response = self._submit(self.agent.email, files=[('attachments', ('proof.txt', b'FAKE', 'text/plain'))])
        self.assertEqual(response.status_code, 200)
        ticket = self._ticket(self.agent.email)
        self.assertEqual(len(ticket), 1)
        self.assertFalse(ticket.partner_id, "never an internal user's contact")
        self.assertEqual(ticket.partner_email, self.agent.email)
        message = ticket.message_ids.filtered('attachment_ids')
        self.assertFalse(message.author_id)
        self.assertFalse(ticket.first_response_date)
        self.assertNotIn(self.agent.partner_id, ticket.message_partner_ids)

    def test_known_customer_gets_the_ticket_but_nothing_in_their_name(self):
        response = self._submit(self.portal.email, files=[('attachments', ('proof.txt', b'FAKE', 'text/plain'))])
        ticket = self._ticket(self.portal.email)
        self.assertEqual(ticket.partner_id, self.portal.partner_id)
        self.assertFalse(ticket.message_ids.filtered('attachment_ids').author_id, "files not authored by them")
        self.assertFalse(ticket.first_response_date)
        self.assertNotIn('/my/tickets/%s' % ticket.id, response.text)
        self.assertIn(ticket.ticket_ref, response.text)

    def test_new_address_makes_a_new_contact(self):
        self._submit('brand.new@example.org', files=[('attachments', ('proof.txt', b'FAKE', 'text/plain'))])
        ticket = self._ticket('brand.new@example.org')
        self.assertEqual(ticket.partner_id.email_normalized, 'brand.new@example.org')
        self.assertEqual(ticket.message_ids.filtered('attachment_ids').author_id, ticket.partner_id)
