from ast import literal_eval
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import MailCase

from .. import upgrades
from .common import HelpdeskCommon

EMAIL_TPL = """Return-Path: <whatever-2a840@postmaster.twitter.com>
To: {to}
cc: {cc}
Received: by mail1.example.com (Postfix, from userid 10002)
Message-ID: {msg_id}
Date: Tue, 29 Nov 2011 12:43:21 +0530
From: {email_from}
MIME-Version: 1.0
Subject: {subject}
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

The printer in room 4 is on fire again.
"""


@tagged('post_install', '-at_install')
class TestStageTemplates(HelpdeskCommon, MailCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._init_mail_gateway()
        cls.env.company.email = 'support@example.com'
        cls.customer = cls.env['res.partner'].create({
            'name': 'Carla Customer', 'email': 'carla@example.com', 'mobile': '+32 456 00 11 22'})
        cls.customer_2 = cls.env['res.partner'].create({'name': 'Dan Doe', 'email': 'dan@example.com'})
        cls.comment = cls.env.ref('mail.mt_comment')
        cls.template_received = cls.env.ref('helpdesk_ce.mail_template_ticket_received')
        cls.template_progress = cls.env['mail.template'].create({
            'name': 'Working on it', 'model_id': cls.env['ir.model']._get_id('helpdesk.ticket'),
            'subject': 'We are on {{ object.ticket_ref }}', 'use_default_to': True,
            'body_html': '<p>An agent is working on <t t-out="object.name"/>.</p>',
        })
        cls.sms_template = cls.env['sms.template'].create({
            'name': 'Received by SMS', 'model_id': cls.env['ir.model']._get_id('helpdesk.ticket'),
            'body': 'We received {{ object.ticket_ref }}.',
        })

    def _stage_messages(self, ticket):
        return ticket.message_ids.filtered(lambda m: m.message_type == 'comment')

    def _assert_customer_comment(self, ticket, partner, text):
        message = self._stage_messages(ticket)
        self.assertEqual(len(message), 1)
        self.assertEqual(message.subtype_id, self.comment, "a customer-visible message, not an internal note")
        self.assertFalse(message.is_internal or message.subtype_id.internal)
        self.assertEqual(message.partner_ids, partner)
        self.assertIn(text, message.body)
        self.assertIn(partner, message.notification_ids.res_partner_id)
        return message

    def _queued_mails(self, ticket, partner):
        """The emails queued for ``partner`` about ``ticket``: stage emails are never sent inside the request."""
        return self.env['mail.mail'].sudo().search([
            ('model', '=', 'helpdesk.ticket'), ('res_id', '=', ticket.id), ('recipient_ids', 'in', partner.ids)])

    def test_ticket_received_on_create_with_portal_link(self):
        self.assertEqual(self.stage_new.template_id, self.template_received)
        with self.mock_mail_gateway():
            ticket = self._create_ticket(self.team_public, partner_id=self.customer.id)
            self._run_stage_messages_job()
        message = self._assert_customer_comment(ticket, self.customer, ticket.ticket_ref)
        # the public message carries no token; the customer's own email has it in its button
        self.assertTrue(ticket.access_token)
        self.assertNotIn(ticket.access_token, message.body)
        sent = self._queued_mails(ticket, self.customer)
        self.assertEqual(len(sent), 1)
        self.assertIn(ticket.ticket_ref, sent.subject)
        self.assertIn('access_token=%s' % ticket.access_token, sent.body_html)

    def test_acknowledgement_sent_by_the_job_not_in_the_request(self):
        cron = self.env.ref('helpdesk_ce.ir_cron_send_stage_messages')
        self.env['ir.cron.trigger'].search([('cron_id', '=', cron.id)]).unlink()  # the job has just run
        tickets = self._create_ticket(self.team_public, partner_id=self.customer.id) \
            | self._create_ticket(self.team_public, partner_id=self.customer_2.id)
        self.assertFalse(self._stage_messages(tickets), "nothing rendered by the creation")
        self.assertFalse(self._queued_mails(tickets[0], self.customer))
        self.assertEqual(tickets.mapped('stage_messages_to_send'), [True, True])
        added = self.env['ir.cron.trigger'].search([('cron_id', '=', cron.id)])
        self.assertEqual(len(added), 1, "the first creation wakes the job up, the next finds it awake")
        self.assertLessEqual(added.call_at, fields.Datetime.now())
        self._run_stage_messages_job()
        for ticket, partner in zip(tickets, (self.customer, self.customer_2)):
            self._assert_customer_comment(ticket, partner, ticket.ticket_ref)
            self.assertEqual(len(self._queued_mails(ticket, partner)), 1)
        self.assertEqual(tickets.mapped('stage_messages_to_send'), [False, False])
        self._run_stage_messages_job()
        self.assertEqual(len(self._stage_messages(tickets[0])), 1, "sent once")

    def test_stage_without_messages_waits_for_nothing(self):
        self.stage_new.template_id = False
        ticket = self._create_ticket(self.team_public, partner_id=self.customer.id)
        self.assertFalse(ticket.stage_messages_to_send)

    def test_moved_before_the_job_ran_gets_the_acknowledgement_first(self):
        self.stage_progress.template_id = self.template_progress
        ticket = self._create_ticket(self.team_public, partner_id=self.customer.id)
        ticket.with_user(self.agent).write({'stage_id': self.stage_progress.id})
        received, progress = self._stage_messages(ticket).sorted('id')
        self.assertIn(ticket.ticket_ref, received.body)
        self.assertIn('An agent is working on', progress.body)
        self.assertFalse(ticket.stage_messages_to_send)
        self._run_stage_messages_job()
        self.assertEqual(len(self._stage_messages(ticket)), 2, "the job does not send it again")

    def test_archived_before_the_job_ran_gets_nothing(self):
        ticket = self._create_ticket(self.team_public, partner_id=self.customer.id)
        ticket.action_archive()
        self._run_stage_messages_job()
        self.assertFalse(self._stage_messages(ticket))
        self.assertFalse(ticket.stage_messages_to_send, "not looked at again")

    @mute_logger('odoo.addons.helpdesk_ce.models.helpdesk_ticket_stage_messages')
    def test_one_ticket_failing_to_render_holds_back_no_other(self):
        self.stage_new.template_id = self.env['mail.template'].create({
            'name': 'Picky', 'model_id': self.env['ir.model']._get_id('helpdesk.ticket'), 'use_default_to': True,
            'subject': 'Received', 'body_html': '<p>Dear <t t-out="object.partner_id.name.upper()"/></p>'})
        known = self._create_ticket(self.team_public, partner_id=self.customer.id)
        by_email = self._create_ticket(self.team_public, partner_email='eve@example.com')
        self.assertFalse(by_email.partner_id)
        self._run_stage_messages_job()
        self.assertIn('CARLA CUSTOMER', self._stage_messages(known).body)
        self.assertFalse(self._stage_messages(by_email), "its template cannot be rendered for it")
        self.assertEqual((known | by_email).mapped('stage_messages_to_send'), [False, False],
                         "not tried again and again")

    def test_job_renders_each_template_once_for_its_tickets(self):
        tickets = self.env['helpdesk.ticket']
        for partner in (self.customer, self.customer_2, self.customer):
            tickets |= self._create_ticket(self.team_public, partner_id=partner.id)
        composers = []
        Composer = self.env.registry['mail.compose.message']
        original = Composer._action_send_mail

        def action_send_mail(composer, auto_commit=False):
            composers.append(composer.res_ids)
            return original(composer, auto_commit=auto_commit)
        with patch.object(Composer, '_action_send_mail', action_send_mail):
            self._run_stage_messages_job()
        self.assertEqual(len(composers), 1, "one composer renders the whole batch")
        self.assertEqual(sorted(literal_eval(composers[0])), sorted(tickets.ids))

    def test_entering_a_stage_sends_its_template_once_per_ticket(self):
        self.stage_progress.template_id = self.template_progress
        tickets = self.env['helpdesk.ticket'].create([
            {'name': 'One', 'team_id': self.team_public.id, 'partner_id': self.customer.id},
            {'name': 'Two', 'team_id': self.team_public.id, 'partner_id': self.customer_2.id},
            {'name': 'Nobody', 'team_id': self.team_public.id},
        ])
        with self.mock_mail_gateway():
            tickets.with_user(self.agent).write({'stage_id': self.stage_progress.id})
        for ticket, partner in zip(tickets, (self.customer, self.customer_2)):
            message = self._stage_messages(ticket)[0]
            self.assertEqual(message.subtype_id, self.comment)
            self.assertEqual(message.partner_ids, partner)
            self.assertIn('An agent is working on %s' % ticket.name, message.body)
        self.assertFalse(self._stage_messages(tickets[2]), "no customer, nobody to write to")
        # staying in the stage sends nothing more; other writes neither
        tickets.write({'stage_id': self.stage_progress.id, 'priority': '2'})
        self.assertEqual(len(self._stage_messages(tickets[0])), 2)

    def test_nothing_sent_when_importing(self):
        self.team_public.write({'auto_assignment': True, 'member_ids': [(4, self.agent.id)]})
        ticket = self.env['helpdesk.ticket'].with_context(tracking_disable=True, import_file=True).create({
            'name': 'Imported', 'team_id': self.team_public.id, 'partner_id': self.customer.id})
        self.assertFalse(self._stage_messages(ticket))
        self.assertEqual(ticket.user_id, self.agent, "imported tickets are assigned all the same")

    def test_customer_known_by_email_only(self):
        ticket = self._create_ticket(self.team_public, partner_email='"Eve" <eve@example.com>')
        self._run_stage_messages_job()
        message = self._stage_messages(ticket)
        self.assertEqual(message.subtype_id, self.comment)
        self.assertEqual(message.partner_ids.email_normalized, 'eve@example.com')

    def test_portal_customer_gets_the_email_for_their_own_ticket(self):
        # as the portal and form routes do: sudo, but the portal user is the author
        ticket = self.env['helpdesk.ticket'].with_user(self.portal).sudo().create({
            'name': 'Mine', 'team_id': self.team_public.id, 'partner_id': self.portal.partner_id.id})
        self._run_stage_messages_job()
        message = self._assert_customer_comment(ticket, self.portal.partner_id, ticket.ticket_ref)
        # the template is sent from the company address, so the company signs it, not the customer
        self.assertEqual(message.author_id, self.company.partner_id)
        self.assertEqual(message.email_from, self.company.email_formatted)

    @mute_logger('odoo.addons.mail.models.mail_thread')
    def test_ticket_created_by_email(self):
        self.team_public.alias_name = 'printers'
        with self.mock_mail_gateway():
            ticket = self.format_and_process(
                EMAIL_TPL, 'Frank Flame <frank@example.com>', 'printers@%s' % self.alias_domain,
                subject='Printer on fire in room 4', target_model='helpdesk.ticket')
            self._run_stage_messages_job()
        self.assertEqual(ticket.team_id, self.team_public)
        message = self._stage_messages(ticket).filtered(lambda m: m.subtype_id == self.comment)
        self.assertEqual(len(message), 1)
        self.assertEqual(message.partner_ids.email_normalized, 'frank@example.com')
        self.assertNotIn('access_token', message.body)
        sent = self._queued_mails(ticket, ticket.partner_id)
        self.assertEqual(len(sent), 1)
        self.assertIn('access_token=%s' % ticket.access_token, sent.body_html)

    def test_sms_is_queued(self):
        self.stage_progress.sms_template_id = self.sms_template
        with_partner = self._create_ticket(self.team_public, partner_id=self.customer.id)
        phone_only = self._create_ticket(self.team_public, partner_phone='+32 456 99 88 77')
        no_number = self._create_ticket(self.team_public, partner_id=self.customer_2.id)
        (with_partner | phone_only | no_number).with_user(self.agent).write({'stage_id': self.stage_progress.id})
        sms = self.env['sms.sms'].search([('mail_message_id.res_id', 'in', (with_partner | phone_only | no_number).ids),
                                          ('mail_message_id.model', '=', 'helpdesk.ticket')])
        # sanitized to E.164 when the phonenumbers library is there
        self.assertEqual(sorted(n.replace(' ', '') for n in sms.mapped('number')), ['+32456001122', '+32456998877'])
        self.assertEqual(set(sms.mapped('state')), {'outgoing'}, "queued for the SMS cron")
        sms_of_partner = sms.filtered(lambda s: s.partner_id == self.customer)
        self.assertEqual(sms_of_partner.body, 'We received %s.' % with_partner.ticket_ref)

    def test_sms_on_create(self):
        self.stage_new.sms_template_id = self.sms_template
        ticket = self._create_ticket(self.team_public, partner_id=self.customer.id)
        self._run_stage_messages_job()
        sms = self.env['sms.sms'].search([('partner_id', '=', self.customer.id)])
        self.assertEqual(sms.body, 'We received %s.' % ticket.ticket_ref)

    def test_rating_request_only_for_teams_using_ratings(self):
        rating_template = self.env.ref('helpdesk_ce.mail_template_ticket_rating')
        self.assertEqual(self.stage_solved.rating_template_id, rating_template)
        self.assertFalse(self.stage_solved.template_id)
        self.team_company.use_rating = True
        quiet = self._create_ticket(self.team_public, partner_id=self.customer.id, user_id=self.agent.id)
        rated = self._create_ticket(self.team_company, partner_id=self.customer.id, user_id=self.agent.id)
        with self.mock_mail_gateway():
            (quiet | rated).with_user(self.agent).write({'stage_id': self.stage_solved.id})
        self.assertFalse(quiet.rating_ids)
        self.assertEqual(len(rated.rating_ids), 1)
        request = rated.message_ids.filtered(lambda m: rated.rating_ids.access_token in (m.body or ''))
        self.assertEqual(request.partner_ids, self.customer)
        self.assertTrue(request.subtype_id.internal, "the rating link stays private to the customer")
        self.assertFalse(quiet.message_ids.filtered(lambda m: '/rate/' in (m.body or '')))
        self.assertIn(self.customer, self._new_mails.recipient_ids, "queued for the mail cron")

    def test_no_rating_request_to_own_address(self):
        """A customer whose address is one of the database's aliases is not asked for a rating (a loop)."""
        self.team_company.write({'use_rating': True, 'alias_name': 'hd.rated'})
        alias_customer = self.env['res.partner'].create({
            'name': 'Our Own Alias', 'email': self.team_company.alias_id.alias_full_name})
        self.assertTrue(alias_customer.email)
        looping = self._create_ticket(self.team_company, partner_id=alias_customer.id, user_id=self.agent.id)
        rated = self._create_ticket(self.team_company, partner_id=self.customer.id, user_id=self.agent.id)
        (looping | rated).with_user(self.agent).write({'stage_id': self.stage_solved.id})
        self.assertFalse(looping.rating_ids)
        self.assertEqual(len(rated.rating_ids), 1)

    def test_rating_template_field_not_body_text(self):
        """The stage's rating template asks for a rating, whatever it says; its email template never does."""
        self.team_company.use_rating = True
        rating_template = self.env['mail.template'].create({
            'name': 'Plain rating request', 'model_id': self.env['ir.model']._get_id('helpdesk.ticket'),
            'subject': 'Rate us', 'partner_to': '{{ object.partner_id.id }}',
            'body_html': '<p>Tell us how we did: <t t-out="object._rating_get_access_token()"/></p>',
        })
        email = self.env['mail.template'].create({
            'name': 'Solved', 'model_id': self.env['ir.model']._get_id('helpdesk.ticket'),
            'subject': 'Solved', 'body_html': '<p>Solved.</p>',
        })
        self.stage_solved.write({'rating_template_id': rating_template.id, 'template_id': email.id})
        ticket = self._create_ticket(self.team_company, partner_id=self.customer.id, user_id=self.agent.id)
        with self.mock_mail_gateway():
            ticket.with_user(self.agent).stage_id = self.stage_solved
        self.assertEqual(len(ticket.rating_ids), 1, "one rating request, from the rating template")
        public = ticket.message_ids.filtered(lambda m: 'Solved.' in (m.body or ''))
        self.assertEqual(public.subtype_id, self.env.ref('mail.mt_comment'), "the email template is a public reply")
        self.assertTrue(ticket.message_ids.filtered(lambda m: 'Tell us how we did' in (m.body or '')))

    def test_upgrade_moves_rating_templates(self):
        rating_template = self.env.ref('helpdesk_ce.mail_template_ticket_rating')
        received = self.env.ref('helpdesk_ce.mail_template_ticket_received')
        self.stage_solved.write({'template_id': rating_template.id, 'rating_template_id': False})
        upgrades.post_move_rating_templates(self.env)
        self.assertEqual(self.stage_solved.rating_template_id, rating_template)
        self.assertFalse(self.stage_solved.template_id)
        self.assertEqual(self.stage_new.template_id, received, "other templates stay")
        self.assertFalse(self.stage_new.rating_template_id)
