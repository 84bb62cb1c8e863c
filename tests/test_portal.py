import re
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.helpdesk_ce.controllers.portal import HelpdeskCustomerPortal

from .common import HelpdeskHttpCommon


@tagged('post_install', '-at_install')
class TestPortal(HelpdeskHttpCommon):
    """The portal as a visitor, customer A (portal), customer B (portal_2) and an agent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_public.write({'allow_portal_ticket_closing': True, 'member_ids': [(4, cls.agent.id)]})
        cls.ticket_a = cls._create_ticket(
            cls.team_public, name='Paula printer jam', partner_id=cls.portal.partner_id.id, user_id=cls.agent.id,
            description='<p>It jams on page two.</p>')
        cls.ticket_b = cls._create_ticket(
            cls.team_public, name='Pete lost his keys', partner_id=cls.portal_2.partner_id.id)
        # A follows it, but the team is not public: the portal does not show it
        cls.ticket_internal = cls._create_ticket(
            cls.team_company, name='Paula internal matter', partner_id=cls.portal.partner_id.id)
        ticket_agent = cls.ticket_a.with_user(cls.agent)
        cls.public_message = ticket_agent.message_post(
            body='We are looking into it.', message_type='comment', subtype_xmlid='mail.mt_comment',
            attachments=[('public_notice.txt', b'PUBLIC FILE')])
        cls.note = ticket_agent.message_post(
            body='Internal: customer is on a blacklist', message_type='comment', subtype_xmlid='mail.mt_note',
            attachments=[('secret_note.txt', b'TOP SECRET CONTENT')])
        cls.secret = cls.note.attachment_ids
        cls.ticket_a_url = '/my/tickets/%s' % cls.ticket_a.id

    def _post_close(self, ticket, **data):
        data.setdefault('csrf_token', self._csrf_token())
        return self.url_open('/my/tickets/%s/close' % ticket.id, data=data)

    def _chatter_fetch(self, ticket, token=None):
        params = {'res_model': 'helpdesk.ticket', 'res_id': ticket.id, 'limit': 50}
        if token:
            params['token'] = token
        return self.make_jsonrpc_request('/mail/chatter_fetch', params)

    # ------------------------------------------------------------
    # List and home
    # ------------------------------------------------------------

    def test_home_counter(self):
        self.authenticate('hd_portal', 'hd_portal')
        self.assertEqual(self.make_jsonrpc_request('/my/counters', {'counters': ['ticket_count']}), {'ticket_count': 1})
        home = self.url_open('/my/home')
        self.assertIn('data-placeholder_count="ticket_count"', home.text)
        self.authenticate('hd_internal', 'hd_internal')  # no helpdesk rights at all
        self.assertEqual(self.make_jsonrpc_request('/my/counters', {'counters': ['ticket_count']}), {'ticket_count': 0})
        self.assertEqual(self.url_open('/my/tickets').status_code, 200)

    def test_list_isolation(self):
        self.authenticate('hd_portal', 'hd_portal')
        page = self.url_open('/my/tickets').text
        self.assertIn(self.ticket_a.ticket_ref, page)
        self.assertNotIn(self.ticket_b.ticket_ref, page)
        self.assertNotIn('Paula internal matter', page)
        self.authenticate('hd_portal2', 'hd_portal2')
        page = self.url_open('/my/tickets').text
        self.assertIn(self.ticket_b.ticket_ref, page)
        self.assertNotIn(self.ticket_a.ticket_ref, page)

    def test_list_search_filter_group_sort_pager(self):
        team_2 = self.env['helpdesk.team'].create({'name': 'Second Public Team', 'privacy_visibility': 'portal'})
        closed = self._create_ticket(team_2, name='Old closed request', partner_id=self.portal.partner_id.id)
        closed.stage_id = self.stage_solved
        self.authenticate('hd_portal', 'hd_portal')

        def rows(url):
            return re.findall(r'/my/tickets/(\d+)"', self.url_open(url).text)

        self.assertEqual(set(rows('/my/tickets?filterby=open')), {str(self.ticket_a.id)})
        self.assertEqual(set(rows('/my/tickets?filterby=closed')), {str(closed.id)})
        self.assertEqual(set(rows('/my/tickets?search=%s&search_in=ref' % closed.ticket_ref)), {str(closed.id)})
        self.assertEqual(set(rows('/my/tickets?search=jam&search_in=name')), {str(self.ticket_a.id)})
        self.assertEqual(set(rows('/my/tickets?search=page+two&search_in=content')), {str(self.ticket_a.id)})
        self.assertFalse(rows('/my/tickets?search=blacklist'), "internal notes are not searched")
        by_name = rows('/my/tickets?sortby=name')
        self.assertEqual(by_name[::2], [str(closed.id), str(self.ticket_a.id)])
        grouped = self.url_open('/my/tickets?groupby=team').text
        self.assertIn('Second Public Team', grouped)
        self.assertIn('Public Team', grouped)
        grouped = self.url_open('/my/tickets?groupby=stage').text
        self.assertIn('Solved', grouped)
        with patch.object(HelpdeskCustomerPortal, '_items_per_page', 1):
            first, second = rows('/my/tickets')[::2], rows('/my/tickets/page/2')[::2]
        self.assertEqual(len(first), 1)
        self.assertEqual(len(second), 1)
        self.assertNotEqual(first, second)
        for url in ('/my/tickets?sortby=evil&groupby=evil&filterby=evil&search_in=evil&search=x',
                    '/my/tickets?page=abc', '/my/tickets/page/999'):
            self.assertEqual(self.url_open(url).status_code, 200)

    def _queries(self, url):
        """Queries of a page, once the server's caches (views, translations, sessions) are warm."""
        for __ in range(2):
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            self.assertEqual(self.url_open(url).status_code, 200)
        return self.cr.sql_log_count - before

    def test_list_queries_do_not_grow_with_tickets(self):
        team_2 = self.env['helpdesk.team'].create({'name': 'Second Public Team', 'privacy_visibility': 'portal'})
        self.authenticate('hd_portal', 'hd_portal')
        few = {groupby: self._queries('/my/tickets?groupby=%s' % groupby) for groupby in ('none', 'team')}
        self.env['helpdesk.ticket'].create([{
            'name': 'Request %s' % index, 'team_id': (self.team_public if index % 2 else team_2).id,
            'partner_id': self.portal.partner_id.id, 'user_id': self.agent.id if index % 3 else False,
        } for index in range(20)])
        many = {groupby: self._queries('/my/tickets?groupby=%s' % groupby) for groupby in ('none', 'team')}
        self.assertEqual(many, few, "one query per kind of data, whatever the number of tickets")
        self.assertLessEqual(many['none'], 20)

    def test_list_needs_login(self):
        self.authenticate(None, None)
        response = self.url_open('/my/tickets')
        self.assertIn('/web/login', response.url)
        self.assertNotIn(self.ticket_a.ticket_ref, response.text)

    # ------------------------------------------------------------
    # Ticket page
    # ------------------------------------------------------------

    def test_ticket_page_as_customer(self):
        self.authenticate('hd_portal', 'hd_portal')
        response = self.url_open(self.ticket_a_url)
        self.assertEqual(response.status_code, 200)
        page = response.text
        for expected in ('Paula printer jam', self.ticket_a.ticket_ref, 'Managed by', 'Public Team', 'Agent Smith',
                         'New', 'It jams on page two.', 'o_portal_chatter', 'Close ticket'):
            self.assertIn(expected, page)
        for hidden in ('blacklist', 'secret_note', 'public_notice'):
            self.assertNotIn(hidden, page, "messages come through the chatter, public ones only")

    def test_merged_ticket_page_points_to_target(self):
        duplicate = self._create_ticket(self.team_public, name='Paula printer jam again',
                                        partner_id=self.portal.partner_id.id)
        self.authenticate('hd_portal', 'hd_portal')
        self.assertNotIn('was merged into', self.url_open('/my/tickets/%s' % duplicate.id).text)
        wizard = self.env['helpdesk.ticket.merge'].create({
            'ticket_ids': [(6, 0, (self.ticket_a | duplicate).ids)], 'target_ticket_id': self.ticket_a.id})
        wizard.action_merge()
        self.assertEqual(duplicate.merged_into_id, self.ticket_a)
        page = self.url_open('/my/tickets/%s' % duplicate.id).text
        self.assertIn('was merged into', page)
        self.assertIn('href="%s"' % self.ticket_a_url, page)
        self.assertIn(self.ticket_a.ticket_ref, page)

    def test_ticket_page_isolation(self):
        self.authenticate('hd_portal2', 'hd_portal2')
        response = self.url_open(self.ticket_a_url)
        self.assertFalse(response.url.endswith(self.ticket_a_url))
        self.assertNotIn('Paula printer jam', response.text)
        self.authenticate('hd_portal', 'hd_portal')
        response = self.url_open('/my/tickets/%s' % self.ticket_internal.id)
        self.assertNotIn('Paula internal matter', response.text, "tickets of non-public teams stay off the portal")
        response = self.url_open('/my/tickets/999999')
        self.assertNotIn('printer jam', response.text)

    def test_ticket_page_by_token(self):
        token = self.ticket_a._portal_ensure_token()
        self.authenticate(None, None)
        response = self.url_open('%s?access_token=%s' % (self.ticket_a_url, token))
        self.assertEqual(response.status_code, 200)
        self.assertIn('Paula printer jam', response.text)
        for wrong in ('', 'wrong-token', self.ticket_b._portal_ensure_token()):
            response = self.url_open('%s?access_token=%s' % (self.ticket_a_url, wrong))
            self.assertNotIn('Paula printer jam', response.text)
            self.assertIn('/web/login', response.url)
        # customer B with a wrong token stays out too
        self.authenticate('hd_portal2', 'hd_portal2')
        response = self.url_open('%s?access_token=wrong' % self.ticket_a_url)
        self.assertNotIn('Paula printer jam', response.text)

    def test_emailed_link_opens_the_page(self):
        """The link of notification emails (/mail/view) brings a visitor to the portal page through the token."""
        url = self.ticket_a._get_share_url(redirect=True)
        self.authenticate(None, None)
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.ticket_a_url, response.url)
        self.assertIn('Paula printer jam', response.text)

    def test_agent_sees_page(self):
        self.authenticate('hd_agent', 'hd_agent')
        response = self.url_open(self.ticket_a_url)
        self.assertIn('Paula printer jam', response.text)
        self.assertIn('Back to edit mode', response.text)

    # ------------------------------------------------------------
    # Chatter and attachments
    # ------------------------------------------------------------

    def test_chatter_shows_public_messages_only(self):
        self.authenticate('hd_portal', 'hd_portal')
        for token in (self.ticket_a._portal_ensure_token(), None):
            messages = self._chatter_fetch(self.ticket_a, token)['messages']
            ids = [message['id'] for message in messages]
            self.assertIn(self.public_message.id, ids)
            self.assertNotIn(self.note.id, ids)
            attachments = [att['name'] for message in messages for att in message['attachment_ids']]
            self.assertEqual(attachments, ['public_notice.txt'])
        # the public attachment downloads with the token the chatter hands out
        public_attachment = self.public_message.attachment_ids
        response = self.url_open('/web/content/%s?access_token=%s' % (
            public_attachment.id, public_attachment.sudo().access_token))
        self.assertEqual(response.content, b'PUBLIC FILE')

    @mute_logger('odoo.http', 'odoo.addons.base.models.ir_attachment', 'odoo.addons.web.controllers.binary')
    def test_internal_attachment_not_downloadable(self):
        self.authenticate('hd_portal', 'hd_portal')
        token = self.ticket_a._portal_ensure_token()
        self.url_open(self.ticket_a_url)
        self._chatter_fetch(self.ticket_a, token)
        self.assertFalse(self.secret.sudo().access_token, "nothing gave the internal attachment a download token")
        for url in (
            '/web/content/%s' % self.secret.id,
            '/web/content/%s?download=true' % self.secret.id,
            '/web/content/%s?access_token=%s' % (self.secret.id, token),
            '/web/content/ir.attachment/%s/datas' % self.secret.id,
            '/web/content/ir.attachment/%s/raw?access_token=%s' % (self.secret.id, token),
        ):
            response = self.url_open(url)
            self.assertIn(response.status_code, (403, 404), url)
            self.assertNotIn(b'TOP SECRET', response.content, url)
        # /web/image answers with a placeholder picture
        self.assertNotIn(b'TOP SECRET', self.url_open('/web/image/%s' % self.secret.id).content)
        response = self.url_open('/mail/attachment/zip', data={
            'file_ids': str(self.secret.id), 'zip_name': 'x.zip', 'csrf_token': self._csrf_token()})
        self.assertNotIn(b'TOP SECRET', response.content)
        for route, params in (
            ('/mail/thread/data', {'thread_model': 'helpdesk.ticket', 'thread_id': self.ticket_a.id,
                                   'request_list': ['attachments']}),
            ('/mail/thread/messages', {'thread_model': 'helpdesk.ticket', 'thread_id': self.ticket_a.id}),
            ('/mail/chatter_init', {'res_model': 'helpdesk.ticket', 'res_id': self.ticket_a.id, 'token': token}),
        ):
            response = self.url_open(route, data=self._jsonrpc_body(params),
                                     headers={'Content-Type': 'application/json'})
            self.assertNotIn('secret_note', response.text, route)
            self.assertNotIn('blacklist', response.text, route)

    @staticmethod
    def _jsonrpc_body(params):
        import json
        return json.dumps({'id': 0, 'jsonrpc': '2.0', 'method': 'call', 'params': params})

    # ------------------------------------------------------------
    # Closing
    # ------------------------------------------------------------

    def test_close_ticket(self):
        self.authenticate('hd_portal', 'hd_portal')
        response = self._post_close(self.ticket_a)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.url.endswith(self.ticket_a_url))
        self.assertEqual(self.ticket_a.stage_id, self.stage_solved, "the first folded stage of the team")
        self.assertTrue(self.ticket_a.is_closed)
        message = self.ticket_a.message_ids.filtered(lambda m: 'closed the ticket' in m.body)
        self.assertEqual(message.author_id, self.portal.partner_id)
        self.assertFalse(message.subtype_id.internal, "the customer sees it on the portal")
        self.assertNotIn('Close ticket', self.url_open(self.ticket_a_url).text)
        # closing twice is refused
        self.assertEqual(self._post_close(self.ticket_a).status_code, 403)

    def test_close_ticket_by_token(self):
        token = self.ticket_a._portal_ensure_token()
        self.authenticate(None, None)
        self.assertEqual(self._post_close(self.ticket_a, access_token='wrong').status_code, 404)
        self.assertFalse(self.ticket_a.is_closed)
        response = self._post_close(self.ticket_a, access_token=token)
        self.assertIn('access_token=%s' % token, response.url)
        self.assertTrue(self.ticket_a.is_closed)
        message = self.ticket_a.message_ids.filtered(lambda m: 'closed the ticket' in m.body)
        self.assertEqual(message.author_id, self.portal.partner_id, "a visitor with the token acts as the customer")

    @mute_logger('odoo.http')
    def test_close_refused(self):
        self.authenticate('hd_portal2', 'hd_portal2')
        self.assertEqual(self._post_close(self.ticket_a).status_code, 404, "someone else's ticket")
        self.authenticate('hd_portal', 'hd_portal')
        self.assertEqual(self.url_open('/my/tickets/%s/close' % self.ticket_a.id).status_code, 405, "GET")
        response = self.url_open('/my/tickets/%s/close' % self.ticket_a.id, data={'nothing': '1'})
        self.assertEqual(response.status_code, 400, "missing CSRF token")
        self.assertEqual(self._post_close(self.ticket_a, csrf_token='forged').status_code, 400, "wrong CSRF token")
        self.assertEqual(self._post_close(self.ticket_internal).status_code, 404, "ticket of a non-public team")
        self.team_public.allow_portal_ticket_closing = False
        self.assertEqual(self._post_close(self.ticket_a).status_code, 403, "the team does not allow it")
        self.assertNotIn('Close ticket', self.url_open(self.ticket_a_url).text)
        self.assertEqual(self.ticket_a.stage_id, self.stage_new)
        self.assertEqual(self.ticket_b.stage_id, self.stage_new)
