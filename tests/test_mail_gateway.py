from unittest.mock import patch

from odoo import fields, tools
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import MailCommon

from .common import TICKET_MAIL, HelpdeskCommon

BOUNCE_MAIL = """Return-Path: <>
To: {to}
cc: {cc}
From: MAILER-DAEMON@mail.example.com (Mail Delivery System)
Subject: {subject}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
    boundary="92726A5F09.1555335666/mail.example.com"
Message-Id: {msg_id}
{extra}
--92726A5F09.1555335666/mail.example.com
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not be delivered.

<{email_from}>: 550 No such person at this address.

--92726A5F09.1555335666/mail.example.com
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.example.com

Final-Recipient: rfc822; {email_from}
Action: failed
Status: 5.0.0

--92726A5F09.1555335666/mail.example.com--
"""


@tagged('post_install', '-at_install', 'mail_gateway')
class TestMailGateway(HelpdeskCommon, MailCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_mail = cls.env['helpdesk.team'].create({
            'name': 'Mail Team', 'alias_name': 'hd.support', 'privacy_visibility': 'portal'})
        cls.alias_email = 'hd.support@%s' % cls.alias_domain
        cls.customer = cls.env['res.partner'].create({'name': 'Sylvie Lelitre', 'email': 'sylvie@agrolait.example.com'})

    def _send(self, subject, email_from='Sylvie Lelitre <sylvie@agrolait.example.com>', cc='', extra='',
              msg_id=False, template=TICKET_MAIL, to=None):
        """Deliver a mail to the team's alias; return the tickets that bear ``subject`` as name."""
        return self.format_and_process(
            template, email_from, to or self.alias_email, subject=subject, cc=cc, extra=extra, msg_id=msg_id,
            target_model='helpdesk.ticket')

    def _agent_answers(self, ticket):
        """The agent mails the customer from the ticket (outgoing mail mocked)."""
        with self.mock_mail_gateway():
            ticket.with_user(self.agent).message_post(
                body='We are on it.', message_type='comment', subtype_xmlid='mail.mt_comment',
                partner_ids=self.customer.ids)

    def _ticket_by_mail(self, subject='Printer on fire', **kwargs):
        ticket = self._send(subject, **kwargs)
        self.assertEqual(len(ticket), 1)
        return ticket

    # ------------------------------------------------------------
    # New tickets
    # ------------------------------------------------------------

    def test_new_ticket_from_mail(self):
        ticket = self._ticket_by_mail('Printer on fire')
        self.assertEqual(ticket.team_id, self.team_mail)
        self.assertEqual(ticket.name, 'Printer on fire')
        self.assertIn('My printer is on fire.', ticket.description)
        self.assertNotIn('<script', ticket.description, "the body goes through the HTML sanitizer")
        self.assertEqual(ticket.partner_id, self.customer, "an existing partner is found by email")
        self.assertEqual(ticket.partner_email, 'sylvie@agrolait.example.com')
        self.assertFalse(ticket.user_id, "the gateway user is never the assignee")
        self.assertIn(self.customer, ticket.message_partner_ids)
        message = ticket.message_ids.filtered(lambda m: m.message_type == 'email')
        self.assertEqual(len(message), 1)
        self.assertEqual(message.author_id, self.customer)
        self.assertFalse(message.subtype_id.internal, "the customer's mail is public: it shows on the portal")

    def test_new_ticket_creates_unknown_sender(self):
        count = self.env['res.partner'].search_count([])
        ticket = self._ticket_by_mail(email_from='"Nora New" <Nora.New@Example.org>')
        self.assertEqual(self.env['res.partner'].search_count([]), count + 1)
        self.assertEqual(ticket.partner_id.name, 'Nora New')
        self.assertEqual(ticket.partner_id.email_normalized, 'nora.new@example.org')
        self.assertEqual(ticket.partner_email, 'nora.new@example.org')
        self.assertIn(ticket.partner_id, ticket.message_partner_ids)
        self.assertEqual(ticket.message_ids.filtered(lambda m: m.message_type == 'email').author_id, ticket.partner_id)

    def test_alias_as_sender_gets_no_partner(self):
        """A mail from one of the database's aliases (another team's, say) makes no customer of it."""
        self.env['helpdesk.stage'].search([]).template_id = False
        self.env['helpdesk.team'].create({'name': 'Other Desk', 'alias_name': 'hd.other'})
        count = self.env['res.partner'].search_count([])
        ticket = self._ticket_by_mail(email_from='Other Desk <hd.other@%s>' % self.alias_domain)
        self.assertFalse(ticket.partner_id)
        self.assertEqual(self.env['res.partner'].search_count([]), count)

    def test_no_automatic_email_to_own_addresses(self):
        """A ticket whose customer address is one of the database's own (an alias, the catchall) gets no
        acknowledgement nor reminder: it would come back through the gateway as a new ticket, again and again."""
        self.assertTrue(self.stage_new.template_id)
        self.env['helpdesk.team'].create({'name': 'Other Desk', 'alias_name': 'hd.other'})

        def queued(ticket):
            return self.env['mail.mail'].search([('model', '=', ticket._name), ('res_id', '=', ticket.id)])

        for sender in ('Other Desk <hd.other@%s>' % self.alias_domain, 'catchall.test@%s' % self.alias_domain):
            with self.subTest(sender=sender):
                ticket = self._ticket_by_mail(subject='Loop from %s' % sender, email_from=sender)
                self._run_stage_messages_job()
                self.assertEqual(ticket.partner_email, tools.email_normalize(sender))
                self.assertFalse(queued(ticket))
                self.assertFalse(ticket.message_ids.filtered(lambda m: m.message_type == 'comment'))
        # nor the customer reminder
        self.env['helpdesk.team']._remind_customers(ticket, fields.Datetime.now())
        self.assertFalse(queued(ticket))
        # a customer's ticket still gets its acknowledgement
        ticket = self._ticket_by_mail(subject='Real customer')
        self._run_stage_messages_job()
        self.assertTrue(queued(ticket))

    def test_cc_become_followers(self):
        count = self.env['res.partner'].search_count([])
        ticket = self._ticket_by_mail(
            cc='"Big Boss" <boss@agrolait.example.com>, paula@example.com, %s, catchall.test@%s' % (
                self.alias_email, self.alias_domain))
        boss = self.env['res.partner'].search([('email_normalized', '=', 'boss@agrolait.example.com')])
        self.assertEqual(len(boss), 1, "an unknown CC address gets a partner")
        self.assertEqual(boss.name, 'Big Boss')
        self.assertEqual(self.env['res.partner'].search_count([]), count + 1,
                         "known addresses reuse their partner; the alias and the catchall get none")
        self.assertIn(boss, ticket.message_partner_ids)
        self.assertIn(self.portal.partner_id, ticket.message_partner_ids, "an existing partner is reused")
        self.assertIn('boss@agrolait.example.com', ticket.email_cc)
        self.assertIn('paula@example.com', ticket.email_cc)
        # the CC'ed portal user now sees the ticket of a public team
        self.assertEqual(ticket.with_user(self.portal).search([('id', '=', ticket.id)]), ticket)

    def test_same_message_id_twice(self):
        msg_id = '<twice-123@agrolait.example.com>'
        ticket = self._ticket_by_mail(msg_id=msg_id)
        mail = self.format(TICKET_MAIL, to=self.alias_email, subject='Printer on fire again', msg_id=msg_id,
                           email_from='sylvie@agrolait.example.com')
        self.assertFalse(self.env['mail.thread'].sudo().message_process(None, mail))
        self.assertEqual(self.env['helpdesk.ticket'].search_count(
            [('team_id', '=', self.team_mail.id)]), 1)
        self.assertEqual(len(ticket.message_ids.filtered(lambda m: m.message_type == 'email')), 1)

    # ------------------------------------------------------------
    # Replies
    # ------------------------------------------------------------

    def test_reply_by_headers(self):
        ticket = self._ticket_by_mail(msg_id='<first@agrolait.example.com>')
        for header in ('In-Reply-To', 'References'):
            reply = self._send('Re: Printer on fire (%s)' % header, email_from='Someone <someone@else.example.com>',
                               extra='%s: <first@agrolait.example.com>' % header)
            self.assertFalse(reply, "a reply by headers makes no new ticket")
        self.assertEqual(self.env['helpdesk.ticket'].search_count([('team_id', '=', self.team_mail.id)]), 1)
        self.assertEqual(len(ticket.message_ids.filtered(lambda m: m.message_type == 'email')), 3)

    def test_reply_by_reference_from_customer(self):
        ticket = self._ticket_by_mail()
        self.assertFalse(self._send('Re: [%s] Printer on fire' % ticket.ticket_ref))
        self.assertFalse(self._send('Still burning [%s]' % ticket.ticket_ref.lower(),
                                    email_from='SYLVIE@agrolait.example.com'))
        self.assertEqual(self.env['helpdesk.ticket'].search_count([('team_id', '=', self.team_mail.id)]), 1)
        self.assertEqual(len(ticket.message_ids.filtered(lambda m: m.message_type == 'email')), 3)

    def test_reply_by_reference_from_follower(self):
        ticket = self._ticket_by_mail(cc='boss@agrolait.example.com')
        self.assertFalse(self._send('Re: [%s] Printer on fire' % ticket.ticket_ref,
                                    email_from='boss@agrolait.example.com'))
        self.assertEqual(ticket.message_ids[0].author_id.email_normalized, 'boss@agrolait.example.com')

    def test_reply_by_reference_from_stranger(self):
        ticket = self._ticket_by_mail()
        subject = 'Re: [%s] Printer on fire' % ticket.ticket_ref
        other = self._send(subject, email_from='mallory@evil.example.com')
        self.assertEqual(len(other), 1, "a stranger quoting a reference opens a new ticket")
        self.assertNotEqual(other, ticket)
        self.assertEqual(other.partner_id.email_normalized, 'mallory@evil.example.com')
        self.assertNotIn(other.partner_id, ticket.message_partner_ids)
        self.assertFalse(ticket.message_ids.filtered(lambda m: m.author_id == other.partner_id))

    def test_reply_by_unknown_reference(self):
        self.assertEqual(len(self._send('Re: [HD99999] [nothing] Printer')), 1)

    def test_reply_cc_never_become_followers(self):
        """Mail is unauthenticated: a reply, even from the customer's address, only adds its message."""
        ticket = self._ticket_by_mail(msg_id='<first-cc@agrolait.example.com>')
        followers = ticket.message_partner_ids
        self._send('Re: [%s] ping' % ticket.ticket_ref, cc='colleague@agrolait.example.com')
        self._send('Re: ping', email_from='mallory@evil.example.com', cc='friend@evil.example.com',
                   extra='In-Reply-To: <first-cc@agrolait.example.com>')
        self.assertEqual(ticket.message_partner_ids, followers)
        self.assertEqual(len(ticket.message_ids.filtered(lambda m: m.message_type == 'email')), 3)

    def test_reroute_hook(self):
        """``_mail_gateway_target`` decides where replies land: merging plugs in there."""
        ticket = self._ticket_by_mail(msg_id='<hook@agrolait.example.com>')
        target = self._create_ticket(self.team_mail, name='Kept ticket')
        Ticket = self.env.registry['helpdesk.ticket']
        with patch.object(Ticket, '_mail_gateway_target', lambda self: target):
            self._send('Re: [%s] by reference' % ticket.ticket_ref)
            self._send('Re: by headers', extra='In-Reply-To: <hook@agrolait.example.com>')
        self.assertEqual(len(target.message_ids.filtered(lambda m: m.message_type == 'email')), 2)

    # ------------------------------------------------------------
    # Outgoing mails
    # ------------------------------------------------------------

    def test_outgoing_mail_carries_reference(self):
        ticket = self._ticket_by_mail()
        self._agent_answers(ticket)
        subject = '[%s] Printer on fire' % ticket.ticket_ref
        self.assertSentEmail(self.agent.partner_id, [self.customer], subject=subject)
        self.assertIn(self.alias_email, self._mails[0]['reply_to'], "replies go to the team's alias")
        # the customer answers from a client that drops the headers
        self.assertFalse(self._send('Re: %s' % subject))
        self.assertEqual(len(ticket.message_ids.filtered(lambda m: m.message_type == 'email')), 2)

    # ------------------------------------------------------------
    # Loops
    # ------------------------------------------------------------

    def test_bounce_makes_no_ticket(self):
        ticket = self._ticket_by_mail()
        messages = ticket.message_ids
        self.assertFalse(self._send('Undelivered Mail Returned to Sender', template=BOUNCE_MAIL,
                                    email_from='sylvie@agrolait.example.com'))
        self.assertFalse(self._send('Undelivered Mail [%s]' % ticket.ticket_ref, template=BOUNCE_MAIL,
                                    email_from='sylvie@agrolait.example.com'))
        self.assertEqual(self.env['helpdesk.ticket'].search_count([('team_id', '=', self.team_mail.id)]), 1)
        self.assertEqual(ticket.message_ids, messages)

    @mute_logger('odoo.addons.mail.models.mail_thread')
    def test_auto_responder_loop_stops(self):
        """An auto-responder answering every acknowledgement with a new mail stops making tickets."""
        self.env['ir.config_parameter'].set_param('mail.gateway.loop.threshold', 3)
        for index in range(6):
            self.format_and_process(
                TICKET_MAIL, 'Auto Responder <noreply@robot.example.com>', self.alias_email,
                subject='Out of office %s' % index, extra='Auto-Submitted: auto-replied',
                target_model='helpdesk.ticket')
        self.assertEqual(self.env['helpdesk.ticket'].search_count([('team_id', '=', self.team_mail.id)]), 3)

    @mute_logger('odoo.addons.mail.models.mail_thread')
    def test_loop_detection_counts_the_sender_only(self):
        """Mail's loop detection counts the sender's own recent tickets (by their customer's address), not every
        ticket whose address contains the sender's: jbob's tickets do not silence bob."""
        self.env['ir.config_parameter'].set_param('mail.gateway.loop.threshold', 2)
        for index in range(3):
            self.format_and_process(
                TICKET_MAIL, 'J Bob <jbob@robot.example.com>', self.alias_email, subject='Help %s' % index,
                target_model='helpdesk.ticket')
        self.format_and_process(
            TICKET_MAIL, 'Bob <bob@robot.example.com>', self.alias_email, subject='My own problem',
            target_model='helpdesk.ticket')
        tickets = self.env['helpdesk.ticket'].search([('team_id', '=', self.team_mail.id)])
        self.assertEqual(sorted(tickets.mapped('partner_email')),
                         ['bob@robot.example.com', 'jbob@robot.example.com', 'jbob@robot.example.com'])

    def test_auto_reply_on_ticket_sends_nothing_back(self):
        """An out-of-office answer to our mail lands on the ticket without mailing its author again."""
        ticket = self._ticket_by_mail()
        self._agent_answers(ticket)
        sent = self._new_mails
        self.assertEqual(len(sent), 1)
        with self.mock_mail_gateway():
            self._send('Auto: out of office', extra='Auto-Submitted: auto-replied\nIn-Reply-To: %s' % sent.message_id)
        self.assertIn('Auto: out of office', ticket.message_ids[0].subject)
        self.assertFalse(self._new_mails.filtered(lambda mail: self.customer in mail.recipient_ids),
                         "the customer is the author: no mail goes back to the auto-responder")

    def test_reply_to_loop_bounce_is_ignored(self):
        self.assertFalse(self._send('Re: Out of office',
                                    extra='In-Reply-To: <123.456-loop-detection-bounce-email@odoo.example.com>'))
        self.assertFalse(self.env['helpdesk.ticket'].search([('team_id', '=', self.team_mail.id)]))
