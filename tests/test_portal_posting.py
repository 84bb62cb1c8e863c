from odoo.tests import tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import HelpdeskHttpCommon

MUTED = ('odoo.http', 'odoo.models', 'odoo.addons.base.models.ir_rule', 'odoo.addons.base.models.ir_model')


@tagged('post_install', '-at_install')
class TestPortalPosting(HelpdeskHttpCommon):
    """A portal customer following their ticket attacks its chatter over JSON-RPC.

    ``_mail_post_access = 'read'`` lets followers post; whatever the path (``message_post``, templates, the
    composer, the mail routes, ``mail.message`` itself), a customer posts what the portal chatter posts: a
    comment, in their own name, to the ticket's followers, with their own files. Nothing else.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_public.member_ids = [(4, cls.agent.id)]
        # Paula follows a colleague's ticket (she was in Cc), and has her own
        cls.ticket = cls._create_ticket(cls.team_public, name='Office printer jam')
        cls.ticket.message_subscribe(partner_ids=(cls.portal.partner_id | cls.agent.partner_id).ids)
        cls.own_ticket = cls._create_ticket(cls.team_public, name='Paula printer jam',
                                            partner_id=cls.portal.partner_id.id)
        cls.other_ticket = cls._create_ticket(cls.team_public, name='Pete lost his keys',
                                              partner_id=cls.portal_2.partner_id.id)
        cls.stranger = cls.env['res.partner'].create({'name': 'Stranger Sam', 'email': 'sam@example.com'})
        cls.note = cls.ticket.with_user(cls.agent).message_post(
            body='Internal: customer is on a blacklist', message_type='comment', subtype_xmlid='mail.mt_note')
        cls.agent_file = cls.env['ir.attachment'].create({
            'name': 'secret.txt', 'raw': b'TOP SECRET', 'res_model': 'helpdesk.ticket', 'res_id': cls.other_ticket.id})

    def _call(self, model, method, *args, **kwargs):
        return self._rpc(f'/web/dataset/call_kw/{model}/{method}', {
            'model': model, 'method': method, 'args': list(args), 'kwargs': kwargs,
        })

    def _rpc(self, route, params):
        """A JSON-RPC request as the portal customer."""
        if not getattr(self, 'session', None) or self.session.uid != self.portal.id:
            self.authenticate('hd_portal', 'hd_portal')
        return self.make_jsonrpc_request(route, params)

    def _post(self, **values):
        return self._call('helpdesk.ticket', 'message_post', [self.ticket.id], **values)

    def _ticket_messages(self):
        return self.env['mail.message'].search(
            [('model', '=', 'helpdesk.ticket'),
             ('res_id', 'in', (self.ticket | self.own_ticket | self.other_ticket).ids)])

    def _assert_refused(self, call, *args, **kwargs):
        """The call fails with an access or user error (or the route refuses it: 400/403) and leaves every
        message, mail and follower as it was."""
        messages = self._ticket_messages()
        mails = self.env['mail.mail'].sudo().search([])
        followers = self.ticket.message_partner_ids
        refused = r'odoo\.exceptions\.(AccessError|UserError)|werkzeug\.exceptions\.(BadRequest|Forbidden)'
        with mute_logger(*MUTED), self.assertRaisesRegex(JsonRpcException, refused):
            call(*args, **kwargs)
        self.env.invalidate_all()
        self.assertEqual(self._ticket_messages(), messages, "no message was posted or moved")
        self.assertEqual(self.env['mail.mail'].sudo().search([]), mails, "no mail was queued")
        self.assertEqual(self.ticket.message_partner_ids, followers)

    # ------------------------------------------------------------
    # What the portal allows still works
    # ------------------------------------------------------------

    def test_portal_comment_over_rpc_and_chatter(self):
        # on her own ticket Odoo's non-sudo post fails (the customer's signup link needs an employee)
        self.own_ticket.message_subscribe(partner_ids=self.agent.partner_id.ids)
        for ticket in self.ticket | self.own_ticket:
            message_id = self._call('helpdesk.ticket', 'message_post', ticket.ids, body='Still jammed',
                                    message_type='comment', subtype_xmlid='mail.mt_comment')
            message = self.env['mail.message'].browse(message_id)
            self.assertEqual((message.model, message.res_id), ('helpdesk.ticket', ticket.id))
            self.assertEqual(message.author_id, self.portal.partner_id)
            self.assertEqual(message.subtype_id, self.env.ref('mail.mt_comment'))
            self.assertEqual(message.message_type, 'comment')
            self.assertFalse(message.partner_ids)
            self.assertIn(self.agent.partner_id, message.notification_ids.res_partner_id, "followers hear of it")
            # the portal chatter, without and with the ticket's token
            for params in ({}, {'token': ticket._portal_ensure_token()}):
                self._rpc('/mail/chatter_post', dict(
                    res_model='helpdesk.ticket', res_id=ticket.id, message='From the portal', **params))
            posted = ticket.message_ids.filtered(lambda m: 'From the portal' in m.body)
            self.assertEqual(len(posted), 2)
            self.assertEqual(posted.author_id, self.portal.partner_id)
            self.assertEqual(posted.subtype_id, self.env.ref('mail.mt_comment'))

    # ------------------------------------------------------------
    # message_post
    # ------------------------------------------------------------

    def test_post_in_someone_elses_name(self):
        comment = {'body': 'Please refund me', 'message_type': 'comment', 'subtype_xmlid': 'mail.mt_comment'}
        for spoof in ({'author_id': self.agent.partner_id.id},
                      {'author_id': self.portal_2.partner_id.id},
                      {'email_from': 'ceo@example.com'},
                      {'email_from': '"Agent Smith" <agent@example.com>'},
                      {'reply_to': 'attacker@evil.example.com'}):
            with self.subTest(spoof=spoof):
                self._assert_refused(self._post, **comment, **spoof)

    def test_post_notifies_strangers(self):
        comment = {'body': 'Click http://evil.example.com', 'message_type': 'comment',
                   'subtype_xmlid': 'mail.mt_comment'}
        self._assert_refused(self._post, partner_ids=self.stranger.ids, **comment)
        # mail_post_autofollow would even subscribe them
        self._assert_refused(self._call, 'helpdesk.ticket', 'message_post', [self.ticket.id],
                             partner_ids=self.stranger.ids, context={'mail_post_autofollow': True}, **comment)
        self.assertNotIn(self.stranger, self.ticket.message_partner_ids)

    def test_post_notes_and_other_types(self):
        stage_subtype = self.env.ref('helpdesk_ce.mt_ticket_stage')
        for values in ({},  # message_post's defaults: a notification with the note subtype
                       {'message_type': 'comment', 'subtype_xmlid': 'mail.mt_note'},
                       {'message_type': 'comment', 'subtype_id': stage_subtype.id},
                       {'message_type': 'notification', 'subtype_xmlid': 'mail.mt_comment'},
                       {'message_type': 'email', 'subtype_xmlid': 'mail.mt_comment'},
                       {'message_type': 'auto_comment', 'subtype_xmlid': 'mail.mt_comment'},
                       {'message_type': 'comment', 'subtype_xmlid': 'mail.mt_comment', 'is_internal': True}):
            with self.subTest(values=values):
                self._assert_refused(self._post, body='Looks like an agent note', **values)

    def test_post_other_message_fields(self):
        comment = {'body': 'Hello', 'message_type': 'comment', 'subtype_xmlid': 'mail.mt_comment'}
        for extra in ({'date': '2001-01-01 00:00:00'},
                      {'parent_id': self.note.id},
                      {'subject': 'Your account is suspended'},
                      {'record_name': 'Official notice'},
                      {'email_layout_xmlid': 'mail.mail_notification_layout_with_responsible_signature'},
                      {'message_id': '<forged@example.com>'},
                      {'attachments': [['virus.exe', 'MZ']]},
                      {'rating_value': 1, 'rating_feedback': 'Terrible agents'},
                      {'scheduled_date': '2099-01-01 00:00:00'}):
            with self.subTest(extra=extra):
                self._assert_refused(self._post, **comment, **extra)

    def test_rating_through_the_chatter(self):
        """portal_rating's chatter takes a rating along: on tickets, ratings come from the rating request only."""
        self.team_public.use_rating = True
        for params in ({}, {'token': self.own_ticket._portal_ensure_token()}):
            with self.subTest(token=bool(params)):
                self._assert_refused(self._rpc, '/mail/chatter_post', dict(
                    res_model='helpdesk.ticket', res_id=self.own_ticket.id, message='Awful', rating_value=1, **params))
        self.assertFalse(self.env['rating.rating'].search([('res_model', '=', 'helpdesk.ticket')]))

    def test_notify_strangers_in_the_tickets_name(self):
        self._assert_refused(self._call, 'helpdesk.ticket', 'message_notify', [self.ticket.id],
                             body='Your ticket was closed', partner_ids=self.stranger.ids)

    def test_post_cannot_take_someone_elses_files(self):
        """Not a hole: Odoo already drops attachments that are not the share user's own pending uploads."""
        message_id = self._post(body='See file', message_type='comment', subtype_xmlid='mail.mt_comment',
                                attachment_ids=self.agent_file.ids)
        self.assertFalse(self.env['mail.message'].browse(message_id).attachment_ids)
        self.assertEqual((self.agent_file.res_model, self.agent_file.res_id), ('helpdesk.ticket', self.other_ticket.id))

    def test_post_with_source_renders_nothing(self):
        for source in ('helpdesk_ce.mail_template_ticket_received', 'helpdesk_ce.mail_template_ticket_rating',
                       'mail.message_activity_assigned'):
            with self.subTest(source=source):
                self._assert_refused(self._call, 'helpdesk.ticket', 'message_post_with_source', [self.ticket.id],
                                     source, message_type='comment', subtype_xmlid='mail.mt_comment')

    # ------------------------------------------------------------
    # The composer, the mail routes and mail.message itself
    # ------------------------------------------------------------

    def _compose_and_send(self, values):
        composer_id = self._call('mail.compose.message', 'create', dict(
            values, model='helpdesk.ticket', res_ids=str(self.ticket.ids)))
        self._call('mail.compose.message', 'action_send_mail', [composer_id])

    def test_composer(self):
        template = self.env.ref('helpdesk_ce.mail_template_ticket_received')
        for values in ({'composition_mode': 'comment', 'body': 'Hi', 'partner_ids': [(6, 0, self.stranger.ids)]},
                       {'composition_mode': 'comment', 'body': 'Hi', 'author_id': self.agent.partner_id.id},
                       {'composition_mode': 'comment', 'template_id': template.id},
                       {'composition_mode': 'mass_mail', 'body': 'Hi', 'email_from': 'ceo@example.com'}):
            with self.subTest(values=values):
                self._assert_refused(self._compose_and_send, values)
        # nor render a template of its choice in an onchange
        with mute_logger(*MUTED), self.assertRaisesRegex(JsonRpcException, r'odoo\.exceptions\.AccessError'):
            self._call('mail.compose.message', 'onchange', [], {
                'composition_mode': 'comment', 'model': 'helpdesk.ticket', 'res_ids': str(self.ticket.ids),
                'template_id': template.id,
            }, ['template_id'], {'body': {}, 'subject': {}, 'template_id': {}})

    def test_mail_message_post_route(self):
        def route_post(**post_data):
            return self._rpc('/mail/message/post', {
                'thread_model': 'helpdesk.ticket', 'thread_id': self.ticket.id,
                'post_data': dict({'body': 'Hi', 'message_type': 'comment', 'subtype_xmlid': 'mail.mt_comment'},
                                  **post_data)})
        self._assert_refused(route_post, partner_ids=self.stranger.ids)
        self._assert_refused(route_post, subtype_xmlid='mail.mt_note')
        self._assert_refused(route_post, message_type='notification')
        self._assert_refused(route_post, parent_id=self.note.id)

    def test_mail_message_create_and_write(self):
        comment = self.env.ref('mail.mt_comment')
        forged = {'model': 'helpdesk.ticket', 'res_id': self.ticket.id, 'body': 'Refund approved',
                  'message_type': 'comment', 'subtype_id': comment.id}
        for extra in ({'author_id': self.agent.partner_id.id}, {'partner_ids': [(6, 0, self.stranger.ids)]},
                      {'subtype_id': self.env.ref('mail.mt_note').id, 'message_type': 'notification'},
                      {'date': '2001-01-01 00:00:00'}, {}):
            with self.subTest(extra=extra):
                self._assert_refused(self._call, 'mail.message', 'create', dict(forged, **extra))
        # their own comment cannot be turned into someone else's, a note, or moved to another ticket
        own_id = self._post(body='My own words', message_type='comment', subtype_xmlid='mail.mt_comment')
        for values in ({'author_id': self.agent.partner_id.id}, {'subtype_id': self.env.ref('mail.mt_note').id},
                       {'res_id': self.other_ticket.id}, {'partner_ids': [(4, self.stranger.id)]},
                       {'body': 'Edited behind the chatter'}):
            with self.subTest(values=values):
                self._assert_refused(self._call, 'mail.message', 'write', [own_id], values)
        own = self.env['mail.message'].browse(own_id)
        self.assertEqual((own.res_id, own.author_id, own.subtype_id), (self.ticket.id, self.portal.partner_id, comment))

    def test_update_content_mentions(self):
        own_id = self._post(body='My own words', message_type='comment', subtype_xmlid='mail.mt_comment')

        def update(**values):
            return self._rpc('/mail/message/update_content', dict(
                {'message_id': own_id, 'body': 'My own words, edited', 'attachment_ids': []}, **values))
        with mute_logger(*MUTED), self.assertRaisesRegex(JsonRpcException, r'odoo\.exceptions\.AccessError'):
            update(partner_ids=self.stranger.ids)
        own = self.env['mail.message'].browse(own_id)
        self.assertFalse(own.partner_ids)
        # editing one's own words, as Odoo allows, still works
        update()
        self.assertIn('edited', own.body)

    def test_reaction_on_internal_note(self):
        """Not a hole: Odoo refuses non-employees any access to internal notes, reactions included."""
        with mute_logger(*MUTED), self.assertRaises(JsonRpcException):
            self._rpc('/mail/message/reaction', {
                'message_id': self.note.id, 'content': '👍', 'action': 'add'})
        self.assertFalse(self.note.sudo().reaction_ids)
