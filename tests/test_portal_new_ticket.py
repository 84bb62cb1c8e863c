from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import HelpdeskHttpCommon


@tagged('post_install', '-at_install')
class TestPortalNewTicket(HelpdeskHttpCommon):
    """My Account > Tickets > New Ticket, as a customer, another customer, a visitor and an agent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # public teams offer their form by default (the default Customer Care too): only ours here
        cls.env['helpdesk.team'].search([]).use_website_helpdesk_form = False
        cls.team_public.write({
            'use_website_helpdesk_form': True,
            'description': '<p>We answer within one working day.</p>',
            'member_ids': [(4, cls.agent.id)],
            'auto_assignment': True,
        })
        Team = cls.env['helpdesk.team'].with_context(mail_create_nosubscribe=True)
        # public, but its form is off: nobody may file in it from the web
        cls.team_public_closed = Team.create({'name': 'Closed Public Team', 'use_website_helpdesk_form': False})
        cls.team_company.use_website_helpdesk_form = True  # not public: never offered

    def _tickets(self):
        return self.env['helpdesk.ticket'].search([('name', 'like', 'Cannot log in')])

    def _post(self, files=None, **values):
        data = {'name': 'Cannot log in', 'description': 'Since this morning.\nPlease help.',
                'csrf_token': self._csrf_token()}
        data.update(values)
        data = {key: value for key, value in data.items() if value is not None}
        return self.url_open('/my/tickets/new', data=data, files=files or None, allow_redirects=False)

    def _assert_refused(self, response, message):
        self.assertEqual(response.status_code, 400, message)
        self.assertIn(message, response.text)
        self.assertIn('o_helpdesk_ticket_form', response.text, "the form comes back")
        self.assertFalse(self._tickets())

    # ------------------------------------------------------------
    # Page
    # ------------------------------------------------------------

    def test_page_one_team(self):
        """With one team the choice is skipped: its name and description head the form."""
        self.authenticate('hd_portal', 'hd_portal')
        response = self.url_open('/my/tickets/new')
        self.assertEqual(response.status_code, 200)
        self.assertIn('We answer within one working day.', response.text)
        self.assertIn('name="csrf_token"', response.text)
        self.assertNotIn('name="team_id"', response.text)
        self.assertNotIn('Closed Public Team', response.text)
        self.assertNotIn('Company Team', response.text)

    def test_page_team_choice(self):
        second = self.env['helpdesk.team'].create({
            'name': 'Billing Desk', 'use_website_helpdesk_form': True, 'description': '<p>Invoices and refunds.</p>'})
        self.authenticate('hd_portal', 'hd_portal')
        page = self.url_open('/my/tickets/new?team_id=%s' % second.id).text
        self.assertEqual(page.count('name="team_id"'), 2)
        self.assertIn('Invoices and refunds.', page)
        self.assertRegex(page, r'value="%s"\s+checked="checked"' % second.id, "a link can preselect the team")
        self.assertNotIn('value="%s"' % self.team_public_closed.id, page)
        self.assertNotIn('value="%s"' % self.team_company.id, page)

    def test_page_not_found_without_teams(self):
        self.team_public.use_website_helpdesk_form = False
        self.authenticate('hd_portal', 'hd_portal')
        self.assertEqual(self.url_open('/my/tickets/new').status_code, 404)
        self.assertNotIn('/my/tickets/new', self.url_open('/my').text)
        self.assertNotIn('/my/tickets/new', self.url_open('/my/tickets').text)

    def test_visitor_goes_to_login(self):
        self.authenticate(None, None)
        response = self.url_open('/my/tickets/new', allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn('/web/login', response.headers['Location'])
        response = self.url_open('/my/tickets/new', data={'name': 'Cannot log in', 'description': 'x'},
                                 allow_redirects=False)
        self.assertIn('/web/login', response.headers.get('Location', ''))
        self.assertFalse(self._tickets())

    def test_links_from_my_account(self):
        self.authenticate('hd_portal', 'hd_portal')
        home = self.url_open('/my').text
        self.assertIn('href="/my/tickets/new"', home)
        self.assertIn('Ask Public Team for help', home)
        self.assertIn('o_helpdesk_new_ticket', self.url_open('/my/tickets').text)

    # ------------------------------------------------------------
    # Submission
    # ------------------------------------------------------------

    def test_submit_as_portal_customer(self):
        """The ticket is the user's, takes the intake path of every channel and opens on its portal page."""
        self.authenticate('hd_portal', 'hd_portal')
        response = self._post(files=[
            ('attachments', ('screenshot.png', b'\x89PNG\r\n\x1a\n fake', 'image/png')),
            ('attachments', ('page.html', b'<html><script>alert(1)</script></html>', 'text/html')),
        ])
        ticket = self._tickets()
        self.assertEqual(len(ticket), 1)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers['Location'].endswith('/my/tickets/%s' % ticket.id))
        self.assertEqual(ticket.team_id, self.team_public)
        self.assertEqual(ticket.partner_id, self.portal.partner_id)
        self.assertIn('Please help.', ticket.description)
        self.assertIn(self.portal.partner_id, ticket.message_partner_ids)
        self.assertEqual(ticket.user_id, self.agent, "assigned by the team's method, as for every channel")
        self.assertEqual(ticket.stage_id, self.stage_new)
        message = ticket.message_ids.filtered('attachment_ids')
        self.assertEqual(message.author_id, self.portal.partner_id)
        self.assertFalse(message.subtype_id.internal)
        self.assertEqual(sorted(message.attachment_ids.mapped('name')), ['page.html', 'screenshot.png'])
        self.assertEqual(message.attachment_ids.filtered(lambda a: a.name == 'page.html').mimetype, 'text/plain')
        page = self.url_open('/my/tickets/%s' % ticket.id)
        self.assertEqual(page.status_code, 200)
        self.assertIn(ticket.ticket_ref, page.text)

    def test_submit_sends_stage_email_and_applies_sla(self):
        template = self.env['mail.template'].create({
            'name': 'Received', 'model_id': self.env['ir.model']._get_id('helpdesk.ticket'),
            'subject': 'We received {{ object.name }}', 'body_html': '<p>We received your request.</p>'})
        self.stage_new.template_id = template
        sla = self.env['helpdesk.sla'].create({
            'name': 'Solve in a day', 'team_id': self.team_public.id, 'stage_id': self.stage_solved.id, 'time': 8})
        self.authenticate('hd_portal', 'hd_portal')
        self._post()
        ticket = self._tickets()
        self.assertTrue(ticket.stage_messages_to_send, "sent by the job, not in the customer's request")
        self._run_stage_messages_job()
        self.assertIn('We received Cannot log in', ticket.message_ids.mapped('subject'))
        self.assertEqual(ticket.sla_status_ids.sla_id, sla)

    def test_cannot_pick_team_customer_or_fields(self):
        second = self.env['helpdesk.team'].create({'name': 'Billing Desk', 'use_website_helpdesk_form': True})
        self.authenticate('hd_portal', 'hd_portal')
        for team in (self.team_company, self.team_private, self.team_public_closed):
            with self.subTest(team=team.name):
                self._assert_refused(self._post(team_id=team.id), 'Please choose the team your request is for.')
        self._assert_refused(self._post(team_id='abc'), 'Please choose the team')
        self._assert_refused(self._post(), 'Please choose the team')
        self._post(team_id=second.id, partner_id=self.portal_2.partner_id.id, user_id=self.agent.id,
                   priority='3', partner_email='pete@example.com', stage_id=self.stage_solved.id)
        ticket = self._tickets()
        self.assertEqual(ticket.team_id, second)
        self.assertEqual(ticket.partner_id, self.portal.partner_id)
        self.assertEqual(ticket.partner_email, 'paula@example.com')
        self.assertFalse(ticket.user_id)
        self.assertEqual(ticket.priority, '0')
        self.assertEqual(ticket.stage_id, self.stage_new)

    def test_another_customer_does_not_see_it(self):
        self.authenticate('hd_portal', 'hd_portal')
        self._post()
        ticket = self._tickets()
        self.authenticate('hd_portal2', 'hd_portal2')
        response = self.url_open('/my/tickets/%s' % ticket.id, allow_redirects=False)
        self.assertEqual(response.status_code, 303, "another customer is sent back to My Account")
        self.assertNotIn(ticket.ticket_ref, self.url_open('/my/tickets').text)

    def test_agent_files_a_ticket(self):
        self.authenticate('hd_agent', 'hd_agent')
        response = self._post()
        ticket = self._tickets()
        self.assertEqual(ticket.partner_id, self.agent.partner_id)
        self.assertTrue(response.headers['Location'].endswith('/my/tickets/%s' % ticket.id))

    def test_bad_input(self):
        self.authenticate('hd_portal', 'hd_portal')
        cases = [
            ({'name': '   '}, 'Please give a subject.'),
            ({'name': 'x' * 201}, 'This is too long'),
            ({'description': ''}, 'Please describe your request.'),
            ({'description': 'x' * 20001}, 'This is too long'),
            ({'contact_website': 'http://spam.example.com'}, 'Your request could not be sent.'),
            ({'csrf_token': None}, 'Your session expired'),
            ({'csrf_token': 'forged0o1999999999'}, 'Your session expired'),
        ]
        for values, message in cases:
            with self.subTest(values=list(values)):
                response = self._post(**values)
                self._assert_refused(response, message)
                if 'description' not in values:
                    self.assertIn('Since this morning.', response.text, "what was typed is kept")

    def test_bad_attachments(self):
        self.env['ir.config_parameter'].set_param('helpdesk_ce.form_max_attachments', 2)
        self.env['ir.config_parameter'].set_param('helpdesk_ce.form_max_attachment_size', 1000)
        self.authenticate('hd_portal', 'hd_portal')
        small = b'x' * 600
        cases = [
            ([('a.txt', small), ('b.txt', small), ('c.txt', small)], 'Please attach 2 files at most.'),
            ([('big.bin', b'x' * 1001)], 'The file big.bin is too large'),
        ]
        for files, message in cases:
            response = self._post(files=[('attachments', (name, content, 'text/plain')) for name, content in files])
            self._assert_refused(response, message)

    def test_contact_without_email(self):
        self.portal.partner_id.email = False
        self.authenticate('hd_portal', 'hd_portal')
        self._assert_refused(self._post(), 'Your contact details need a name and a valid email address')

    def test_xss_is_neutralised(self):
        self.authenticate('hd_portal', 'hd_portal')
        self._post(name='Cannot log in <script>alert("s")</script>',
                   description='<script>alert("x")</script><img src=x onerror=alert(1)>')
        ticket = self._tickets()
        self.assertNotIn('<script', ticket.description)
        self.assertNotIn('<img', ticket.description)
        page = self.url_open('/my/tickets/%s' % ticket.id).text
        self.assertNotIn('<script>alert', page)

    @mute_logger('odoo.http')
    def test_only_post_creates(self):
        self.authenticate('hd_portal', 'hd_portal')
        response = self.url_open('/my/tickets/new?name=Cannot+log+in&description=x&csrf_token=%s'
                                 % self._csrf_token())
        self.assertEqual(response.status_code, 200)
        self.assertFalse(self._tickets())

    def test_tour_portal_customer_files_ticket(self):
        self.env['helpdesk.team'].create({
            'name': 'Billing Desk', 'use_website_helpdesk_form': True, 'description': '<p>Invoices and refunds.</p>'})
        self.start_tour('/my', 'helpdesk_ce_portal_new_ticket_tour', login='hd_portal')
        ticket = self.env['helpdesk.ticket'].search([('name', '=', 'Invoice INV-042 is charged twice')])
        self.assertEqual(ticket.team_id.name, 'Billing Desk')
        self.assertEqual(ticket.partner_id, self.portal.partner_id)
        self.assertEqual(ticket.message_ids.attachment_ids.mapped('name'), ['statement.txt'])
