from lxml import html

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import HelpdeskHttpCommon


@tagged('post_install', '-at_install')
class TestPublicForm(HelpdeskHttpCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_public.write({
            'use_website_helpdesk_form': True,
            'description': '<p>We answer within one working day.</p>',
        })
        cls.form_url = '/helpdesk/%s' % cls.team_public.id
        cls.submit_url = '/helpdesk/%s/submit' % cls.team_public.id

    def _tickets(self):
        return self.env['helpdesk.ticket'].search([('team_id', '=', self.team_public.id)])

    def _submit(self, files=None, **values):
        data = {
            'partner_name': 'Vera Visitor',
            'partner_email': 'vera@visitor.example.com',
            'name': 'Cannot log in',
            'description': 'Since this morning.\nPlease help.',
            'csrf_token': self._csrf_token(),
        }
        data.update(values)
        data = {key: value for key, value in data.items() if value is not None}
        return self.url_open(self.submit_url, data=data, files=files or None)

    # ------------------------------------------------------------
    # Form page
    # ------------------------------------------------------------

    def test_form_page(self):
        self.authenticate(None, None)
        slug_url = '/helpdesk/public-team-%s' % self.team_public.id
        for url in (self.form_url, slug_url):
            response = self.url_open(url)
            self.assertEqual(response.status_code, 200, url)
            self.assertIn('We answer within one working day.', response.text)
            self.assertIn('name="csrf_token"', response.text)
            self.assertIn('action="/helpdesk/public-team-%s/submit"' % self.team_public.id, response.text)

    def test_form_not_found(self):
        self.team_private.use_website_helpdesk_form = True
        self.team_company.use_website_helpdesk_form = True
        archived = self.env['helpdesk.team'].create({
            'name': 'Archived', 'use_website_helpdesk_form': True, 'active': False})
        self.authenticate(None, None)
        urls = [
            '/helpdesk/%s' % self.team_private.id,
            '/helpdesk/%s' % self.team_company.id,
            '/helpdesk/%s' % archived.id,
            '/helpdesk/999999', '/helpdesk/abc', '/helpdesk/99999999999999999999', '/helpdesk/-1',
            '/helpdesk/%C2%B2', '/helpdesk/x-0',
        ]
        for url in urls:
            self.assertEqual(self.url_open(url).status_code, 404, url)
        self.team_public.use_website_helpdesk_form = False
        self.assertEqual(self.url_open(self.form_url).status_code, 404)
        self.assertEqual(self._submit().status_code, 404)
        self.assertFalse(self._tickets())

    def test_form_prefilled_for_portal_user(self):
        self.authenticate('hd_portal', 'hd_portal')
        page = self.url_open(self.form_url).text
        self.assertIn('value="Portal Paula"', page)
        self.assertIn('value="paula@example.com"', page)

    # ------------------------------------------------------------
    # Submission
    # ------------------------------------------------------------

    def test_submit_as_visitor(self):
        self.authenticate(None, None)
        count = self.env['res.partner'].search_count([])
        response = self._submit(files=[
            ('attachments', ('screenshot.png', b'\x89PNG\r\n\x1a\n fake', 'image/png')),
            ('attachments', ('page.html', b'<html><script>alert(1)</script></html>', 'text/html')),
        ])
        self.assertEqual(response.status_code, 200)
        ticket = self._tickets()
        self.assertEqual(len(ticket), 1)
        self.assertEqual(ticket.name, 'Cannot log in')
        self.assertIn('Please help.', ticket.description)
        self.assertEqual(ticket.partner_id.name, 'Vera Visitor')
        self.assertEqual(ticket.partner_id.email, 'vera@visitor.example.com')
        self.assertEqual(self.env['res.partner'].search_count([]), count + 1)
        self.assertIn(ticket.partner_id, ticket.message_partner_ids)
        message = ticket.message_ids.filtered('attachment_ids')
        self.assertEqual(message.author_id, ticket.partner_id)
        self.assertFalse(message.subtype_id.internal, "the customer sees their files on the portal")
        self.assertEqual(sorted(message.attachment_ids.mapped('name')), ['page.html', 'screenshot.png'])
        self.assertEqual(message.attachment_ids.filtered(lambda a: a.name == 'page.html').mimetype, 'text/plain',
                         "a visitor's HTML file is never served as HTML")
        # the confirmation shows the reference, never the access link
        self.assertIn(ticket.ticket_ref, response.text)
        self.assertNotIn('/my/tickets/', response.text)
        self.assertNotIn('access_token', response.text)
        if ticket.access_token:
            self.assertNotIn(ticket.access_token, response.text)

    def test_submit_existing_customer(self):
        customer = self.env['res.partner'].create({'name': 'Known Customer', 'email': 'known@example.com'})
        self.authenticate(None, None)
        self._submit(partner_name='Someone Else', partner_email='KNOWN@example.com')
        ticket = self._tickets()
        self.assertEqual(ticket.partner_id, customer, "the customer is found by email")
        self.assertEqual(customer.name, 'Known Customer', "a visitor never edits an existing contact")

    def test_submit_as_portal_user(self):
        self.authenticate('hd_portal', 'hd_portal')
        response = self._submit(partner_name='Evil', partner_email='pete@example.com')
        ticket = self._tickets()
        self.assertEqual(ticket.partner_id, self.portal.partner_id, "a logged-in user submits as themselves")
        self.assertIn('/my/tickets/%s' % ticket.id, response.text)
        self.assertEqual(self.url_open('/my/tickets/%s' % ticket.id).status_code, 200)

    def test_xss_is_neutralised(self):
        self.authenticate(None, None)
        payload = '<script>alert("x")</script><img src=x onerror=alert(1)><b onmouseover=alert(2)>hi</b>'
        response = self._submit(name='<script>alert("subject")</script>', description=payload,
                                partner_name='<img src=x onerror=alert(3)>')
        ticket = self._tickets()
        self.assertEqual(len(ticket), 1)
        stored = html.fromstring('<div>%s</div>' % ticket.description)
        self.assertFalse(stored.xpath('//script|//img|//*[@onerror]|//*[@onmouseover]'))
        self.assertNotIn('<script>alert', response.text)
        self.authenticate('hd_agent', 'hd_agent')
        page = self.url_open('/my/tickets/%s' % ticket.id)
        self.assertEqual(page.status_code, 200)
        self.assertNotIn('<script>alert', page.text)
        self.assertNotIn('<img src="x"', page.text)
        self.assertNotIn('<img src=x', page.text)

    # ------------------------------------------------------------
    # Bad input, one at a time
    # ------------------------------------------------------------

    def _assert_refused(self, response, message, **kept):
        self.assertEqual(response.status_code, 400, message)
        self.assertIn(message, response.text)
        self.assertIn('o_helpdesk_ticket_form', response.text, "the form comes back")
        for value in kept.values():
            self.assertIn(value, response.text, "what was typed is kept")
        self.assertFalse(self._tickets())

    def test_bad_input(self):
        self.authenticate(None, None)
        count = self.env['res.partner'].search_count([])
        cases = [
            ({'partner_name': ''}, 'Please tell us your name.'),
            ({'partner_name': None}, 'Please tell us your name.'),
            ({'partner_email': ''}, 'Please give your email address'),
            ({'partner_email': 'not-an-email'}, 'This email address is not valid.'),
            ({'partner_email': 'a@b.c, other@example.com'}, 'This email address is not valid.'),
            ({'name': '   '}, 'Please give a subject.'),
            ({'name': 'x' * 201}, 'This is too long'),
            ({'description': ''}, 'Please describe your request.'),
            ({'description': 'x' * 20001}, 'This is too long'),
            ({'contact_website': 'http://spam.example.com'}, 'Your request could not be sent.'),
            ({'csrf_token': None}, 'Your session expired'),
            ({'csrf_token': 'forged0o1999999999'}, 'Your session expired'),
        ]
        for values, message in cases:
            response = self._submit(**values)
            kept = {} if 'name' in values else {'subject': 'value="Cannot log in"'}
            self._assert_refused(response, message, **kept)
        self.assertEqual(self.env['res.partner'].search_count([]), count, "no partner for refused requests")

    def test_own_address_refused(self):
        self.env['mail.alias.domain'].create({'name': 'mycompany.example.com', 'catchall_alias': 'catchall'})
        self.authenticate(None, None)
        response = self._submit(partner_email='catchall@mycompany.example.com')
        self._assert_refused(response, 'This address cannot be used')

    def test_bad_attachments(self):
        self.env['ir.config_parameter'].set_param('helpdesk_ce.form_max_attachments', 2)
        self.env['ir.config_parameter'].set_param('helpdesk_ce.form_max_attachment_size', 1000)
        self.env['ir.config_parameter'].set_param('helpdesk_ce.form_max_total_size', 1500)
        self.authenticate(None, None)
        small = b'x' * 600
        cases = [
            ([('a.txt', small), ('b.txt', small), ('c.txt', small)], 'Please attach 2 files at most.'),
            ([('big.bin', b'x' * 1001)], 'The file big.bin is too large'),
            ([('a.txt', b'x' * 900), ('b.txt', b'x' * 900)], 'The files are too large together'),
        ]
        for files, message in cases:
            response = self._submit(files=[('attachments', (name, content, 'text/plain')) for name, content in files])
            self._assert_refused(response, message)
        self.assertEqual(self._submit(files=[('attachments', ('ok.txt', small, 'text/plain'))]).status_code, 200)
        self.assertEqual(self._tickets().message_ids.attachment_ids.mapped('name'), ['ok.txt'])

    @mute_logger('odoo.http')
    def test_submit_by_get_refused(self):
        self.authenticate(None, None)
        self.assertEqual(self.url_open(self.submit_url).status_code, 405)
        self.assertFalse(self._tickets())
