"""Access by record rules, not by following: each test is written from the attacker's side (issue #9)."""
from odoo.exceptions import AccessError
from odoo.tests import Form, tagged
from odoo.tests.common import new_test_user
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import MailCommon

from .common import TICKET_MAIL, HelpdeskCommon


@tagged('post_install', '-at_install', 'security')
class TestFollowingGivesNoAccess(HelpdeskCommon):
    """Finding 1: a customer following a public team read every customer's tickets."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.paula_ticket = cls._create_ticket(
            cls.team_public, name='Paula printer', partner_id=cls.portal.partner_id.id)

    @mute_logger('odoo.addons.base.models.ir_rule', 'odoo.models')
    def test_portal_user_cannot_follow_a_team(self):
        team = self.team_public.with_user(self.portal_2)
        with self.assertRaises(AccessError):
            team.message_subscribe(partner_ids=self.portal_2.partner_id.ids)
        self.assertNotIn(self.portal_2.partner_id, self.team_public.message_partner_ids)
        # whoever tries (an agent through the followers widget, mail's own code): a share partner never follows it
        self.team_public.message_subscribe(partner_ids=(self.portal_2 | self.agent).partner_id.ids)
        self.team_public._message_subscribe(partner_ids=self.portal_2.partner_id.ids)
        self.assertNotIn(self.portal_2.partner_id, self.team_public.message_partner_ids)
        self.assertIn(self.agent.partner_id, self.team_public.message_partner_ids)
        with self.assertRaises(AccessError):
            self.paula_ticket.with_user(self.portal_2).read(['name'])

    def test_team_followers_propagate_internal_partners_only(self):
        # the lowest level too: mail's auto-subscription of the team's subtypes creates mail.followers rows
        self.env['mail.followers'].create({
            'res_model': 'helpdesk.team', 'res_id': self.team_public.id, 'partner_id': self.portal_2.partner_id.id,
            'subtype_ids': [(6, 0, self.env.ref('helpdesk_ce.mt_team_ticket_new').ids)]})
        self.assertNotIn(self.portal_2.partner_id, self.team_public.message_partner_ids)
        self.team_public.message_subscribe(partner_ids=self.agent_2.partner_id.ids)
        ticket = self._create_ticket(self.team_public, name='Another customer', partner_id=self.portal.partner_id.id)
        moved = self._create_ticket(self.team_company, name='Moved in', partner_id=self.portal.partner_id.id)
        moved.team_id = self.team_public
        for record in (ticket, moved):
            self.assertIn(self.agent_2.partner_id, record.message_partner_ids)
            self.assertNotIn(self.portal_2.partner_id, record.message_partner_ids)
            self.assertFalse(self.env['helpdesk.ticket'].with_user(self.portal_2).search([('id', '=', record.id)]))

    @mute_logger('odoo.addons.base.models.ir_rule', 'odoo.models')
    def test_portal_user_cannot_subscribe_others(self):
        ticket = self.paula_ticket.with_user(self.portal)
        with self.assertRaises(AccessError):
            ticket.message_subscribe(partner_ids=self.portal_2.partner_id.ids)
        self.assertNotIn(self.portal_2.partner_id, self.paula_ticket.message_partner_ids)


@tagged('post_install', '-at_install', 'security')
class TestMembershipGrantsAccess(HelpdeskCommon):
    """Finding 2: agents taken off a private team kept its tickets, because members followed every ticket."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_private.member_ids = cls.agent | cls.agent_2
        cls.ticket = cls._create_ticket(cls.team_private, name='Salary question')

    def _sees(self, user, ticket=None):
        ticket = ticket or self.ticket
        return bool(self.env['helpdesk.ticket'].with_user(user).search([('id', '=', ticket.id)]))

    def test_members_see_without_following(self):
        self.assertTrue(self._sees(self.agent))
        self.assertNotIn(self.agent.partner_id, self.ticket.message_partner_ids, "access is no follower row")
        self.assertNotIn(self.agent.partner_id, self.team_private.message_partner_ids)

    def test_removed_member_loses_access(self):
        self.team_private.member_ids = [(3, self.agent.id)]
        self.assertFalse(self._sees(self.agent))
        with self.assertRaises(AccessError), mute_logger('odoo.addons.base.models.ir_rule', 'odoo.models'):
            self.ticket.with_user(self.agent).read(['name'])
        # nor can they have the stage messages job mail its customer
        with self.assertRaises(AccessError), mute_logger('odoo.addons.base.models.ir_rule', 'odoo.models'):
            self.ticket.with_user(self.agent).write({'stage_messages_to_send': True})

    def test_read_check_sees_changes_not_yet_written(self):
        """Reading tickets already in memory checks the rules in SQL, yet it judges them as they are in memory."""
        outsider = new_test_user(self.env, 'hd_outsider_read', groups='helpdesk_ce.group_helpdesk_user')
        ticket = self._create_ticket(self.team_company)
        ticket.with_user(outsider).read(['name'])
        ticket.team_id = self.team_private  # in the cache only, until a flush
        with self.assertRaises(AccessError), mute_logger('odoo.addons.base.models.ir_rule', 'odoo.models'):
            ticket.with_user(outsider).read(['name'])
        self.team_private.member_ids = [(4, outsider.id)]
        self.assertEqual(ticket.with_user(outsider).read(['name'])[0]['name'], ticket.name)

    def test_membership_from_the_user_side(self):
        self.agent.helpdesk_team_ids = [(3, self.team_private.id)]
        self.assertFalse(self._sees(self.agent))
        outsider = new_test_user(self.env, 'hd_newcomer', groups='helpdesk_ce.group_helpdesk_user')
        self.assertFalse(self._sees(outsider))
        outsider.helpdesk_team_ids = [(4, self.team_private.id)]
        self.assertTrue(self._sees(outsider))

    def test_assignee_keeps_own_ticket(self):
        self.ticket.user_id = self.agent
        self.team_private.member_ids = [(3, self.agent.id)]
        self.assertTrue(self._sees(self.agent), "the assignee follows the ticket they were given")

    def test_follower_of_the_ticket_or_team_sees_it(self):
        stranger = new_test_user(self.env, 'hd_invited', groups='helpdesk_ce.group_helpdesk_user')
        self.assertFalse(self._sees(stranger))
        self.ticket.message_subscribe(partner_ids=stranger.partner_id.ids)
        self.assertTrue(self._sees(stranger))


@tagged('post_install', '-at_install', 'security')
class TestAgentScope(HelpdeskCommon):
    """Issue #11 item 9: "own tickets" and "team tickets" scopes only narrow what the visibility allows."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.own = new_test_user(cls.env, 'hd_own', groups='helpdesk_ce.group_helpdesk_user_own', name='Own Olga')
        cls.teamish = new_test_user(
            cls.env, 'hd_teamish', groups='helpdesk_ce.group_helpdesk_user_team', name='Team Tim')
        cls.team_company.member_ids = cls.own | cls.teamish
        Ticket = cls.env['helpdesk.ticket']
        cls.mine = cls._create_ticket(cls.team_company, name='Mine', user_id=cls.own.id)
        cls.unassigned = cls._create_ticket(cls.team_company, name='Nobody')
        cls.colleague = cls._create_ticket(cls.team_company, name="Colleague's", user_id=cls.agent.id)
        cls.elsewhere = cls._create_ticket(cls.team_public, name='Other team, unassigned')
        cls.elsewhere_mine = cls._create_ticket(cls.team_public, name='Other team, mine', user_id=cls.own.id)
        cls.private = cls._create_ticket(cls.team_private, name='Private, assigned to Tim')
        cls.private.with_context(mail_auto_subscribe_no_notify=True).user_id = cls.teamish
        cls.all = Ticket.browse([t.id for t in (
            cls.mine, cls.unassigned, cls.colleague, cls.elsewhere, cls.elsewhere_mine, cls.private)])

    def _visible(self, user):
        return self.env['helpdesk.ticket'].with_user(user).search([('id', 'in', self.all.ids)])

    def test_own_scope(self):
        self.assertEqual(self._visible(self.own), self.mine | self.unassigned | self.elsewhere_mine)

    def test_team_scope(self):
        self.assertEqual(self._visible(self.teamish), self.mine | self.unassigned | self.colleague | self.private)

    def test_all_scope_and_manager(self):
        self.assertEqual(self._visible(self.agent), self.all - self.private)
        self.assertEqual(self._visible(self.manager), self.all)

    @mute_logger('odoo.addons.base.models.ir_rule', 'odoo.models')
    def test_own_scope_cannot_write_others(self):
        with self.assertRaises(AccessError):
            self.colleague.with_user(self.own).write({'priority': '3'})
        with self.assertRaises(AccessError):
            self.elsewhere.with_user(self.own).read(['name'])

    def test_scopes_are_one_choice_in_user_settings(self):
        groups = self.env['res.groups'].search(
            [('category_id', '=', self.env.ref('helpdesk_ce.module_category_helpdesk').id)])
        fname = 'sel_groups_' + '_'.join(str(gid) for gid in sorted(groups.ids))
        field = self.env['res.users'].fields_get([fname]).get(fname)
        self.assertTrue(field, "Settings > Users shows the helpdesk rights as one selection")
        self.assertEqual(
            {label for value, label in field['selection'] if value},
            {'User: Own tickets', 'User: Team tickets', 'User: All tickets', 'Administrator'})
        self.assertIn(self.env.ref('helpdesk_ce.group_helpdesk_user_team'), self.agent.groups_id)


@tagged('post_install', '-at_install', 'security', 'mail_gateway')
class TestMailCannotSubscribe(HelpdeskCommon, MailCommon):
    """Finding 5: an unauthenticated mail adds at most its message."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_mail = cls.env['helpdesk.team'].create({
            'name': 'Mail Team', 'alias_name': 'hd.sec', 'privacy_visibility': 'portal'})
        cls.alias_email = 'hd.sec@%s' % cls.alias_domain
        cls.team_private.alias_name = 'hd.private'
        cls.customer = cls.env['res.partner'].create({'name': 'Sylvie Lelitre', 'email': 'sylvie@agrolait.example.com'})

    def _send(self, subject, email_from='Sylvie Lelitre <sylvie@agrolait.example.com>', cc='', extra='', to=None):
        return self.format_and_process(
            TICKET_MAIL, email_from, to or self.alias_email, subject=subject, cc=cc, extra=extra,
            target_model='helpdesk.ticket')

    def test_forged_reply_adds_no_follower(self):
        ticket = self._send('Printer on fire', cc='boss@agrolait.example.com')
        followers = ticket.message_partner_ids
        # Mallory forges the From: of a follower, quotes the reference and copies herself
        self._send('Re: [%s] Printer on fire' % ticket.ticket_ref, email_from='boss@agrolait.example.com',
                   cc='mallory@evil.example.com, %s' % self.portal_2.email)
        self.assertEqual(ticket.message_partner_ids, followers)
        self.assertFalse(self.env['helpdesk.ticket'].with_user(self.portal_2).search([('id', '=', ticket.id)]))

    def test_reply_from_a_known_address_does_not_subscribe_its_author(self):
        """Portal Pete mails from his own address, quoting the Message-Id of another customer's ticket."""
        ticket = self._send('Printer on fire')
        message_id = ticket.message_ids.filtered(lambda m: m.message_type == 'email')[:1].message_id
        self._send('Re: Printer on fire', email_from=self.portal_2.email, extra='In-Reply-To: %s' % message_id)
        self.assertEqual(len(ticket.message_ids.filtered(lambda m: m.message_type == 'email')), 2, "the message lands")
        self.assertNotIn(self.portal_2.partner_id, ticket.message_partner_ids)
        self.assertFalse(self.env['helpdesk.ticket'].with_user(self.portal_2).search([('id', '=', ticket.id)]))

    def test_new_ticket_cc_is_capped(self):
        cc = ', '.join('friend%s@example.org' % n for n in range(25))
        ticket = self._send('Many friends', cc=cc)
        cc_followers = ticket.message_partner_ids.filtered(lambda p: p.email_normalized.startswith('friend'))
        self.assertEqual(len(cc_followers), 10)

    def test_mail_gives_internal_users_no_private_ticket(self):
        private_alias = 'hd.private@%s' % self.alias_domain
        ticket = self._send('About salaries', cc=self.agent_2.email, to=private_alias)
        self.assertEqual(ticket.team_id, self.team_private)
        self.assertNotIn(self.agent_2.partner_id, ticket.message_partner_ids)
        self.assertFalse(self.env['helpdesk.ticket'].with_user(self.agent_2).search([('id', '=', ticket.id)]))
        # From: an employee: the ticket is theirs, but mail alone does not let them into a private team
        forged = self._send('Forged salaries', email_from=self.agent_2.email, to=private_alias)
        self.assertEqual(forged.partner_id, self.agent_2.partner_id)
        self.assertFalse(self.env['helpdesk.ticket'].with_user(self.agent_2).search([('id', '=', forged.id)]))


@tagged('post_install', '-at_install', 'security')
class TestFirstResponse(HelpdeskCommon):
    """Finding 8: only a public reply written by an agent meets the first-response target."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_company.member_ids = cls.agent
        cls.customer = cls.env['res.partner'].create({'name': 'Carl Customer', 'email': 'carl@example.org'})

    def test_stage_template_sent_by_an_agent_is_no_response(self):
        ticket = self._create_ticket(self.team_company, partner_id=self.customer.id)
        ticket.with_user(self.agent).write({'stage_id': self.stage_progress.id})
        self.stage_progress.template_id = self.env.ref('helpdesk_ce.mail_template_ticket_received')
        ticket.with_user(self.agent).write({'stage_id': self.stage_new.id})
        ticket.with_user(self.agent).write({'stage_id': self.stage_progress.id})
        self.assertTrue(ticket.message_ids.filtered(lambda m: 'we received your request' in (m.subject or '')))
        self.assertFalse(ticket.first_response_date)

    def test_employee_filing_their_ticket_is_no_response(self):
        ticket = self._create_ticket(self.team_company, partner_id=self.agent.partner_id.id)
        ticket.with_user(self.agent).message_post(
            body='My screen is broken', message_type='comment', subtype_xmlid='mail.mt_comment')
        self.assertFalse(ticket.first_response_date)
        ticket.with_user(self.internal).sudo().message_post(
            body='Not an agent', author_id=self.internal.partner_id.id,
            message_type='comment', subtype_xmlid='mail.mt_comment')
        self.assertFalse(ticket.first_response_date, "an employee without helpdesk rights is no agent")

    def test_agent_public_reply_is_the_response(self):
        ticket = self._create_ticket(self.team_company, partner_id=self.customer.id)
        ticket.with_user(self.agent).message_post(body='Note', message_type='comment', subtype_xmlid='mail.mt_note')
        self.assertFalse(ticket.first_response_date)
        ticket.with_user(self.agent).message_post(
            body='We are on it', message_type='comment', subtype_xmlid='mail.mt_comment')
        self.assertTrue(ticket.first_response_date)


@tagged('post_install', '-at_install', 'security')
class TestTokens(HelpdeskCommon):
    """Finding 4: tokens leaked through public messages and were never revoked."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_new.template_id = cls.env.ref('helpdesk_ce.mail_template_ticket_received')
        cls.ticket = cls._create_ticket(cls.team_public, partner_id=cls.portal.partner_id.id)
        cls._run_stage_messages_job()

    def test_acknowledgement_body_carries_no_token(self):
        ack = self.ticket.message_ids.filtered(lambda m: 'we received your request' in (m.subject or ''))
        self.assertEqual(len(ack), 1)
        self.ticket._portal_ensure_token()
        self.assertNotIn(self.ticket.access_token, str(ack.body))
        self.assertNotIn('access_token', str(ack.body))

    def test_token_only_for_active_tickets_of_public_teams(self):
        token = self.ticket._portal_ensure_token()
        self.assertTrue(self.ticket._portal_check_token(token))
        self.assertFalse(self.ticket._portal_check_token('x' + token[1:]))
        self.assertFalse(self.ticket._portal_check_token('jeton-é'))
        self.assertFalse(self.ticket._portal_check_token(None))
        self.ticket.team_id = self.team_company
        self.assertFalse(self.ticket._portal_check_token(self.ticket.access_token))

    def test_token_rotates(self):
        token = self.ticket._portal_ensure_token()
        self.ticket.partner_id = self.portal_2.partner_id
        self.assertTrue(self.ticket.access_token)
        self.assertNotEqual(self.ticket.access_token, token, "a new customer: the old links stop working")
        token = self.ticket.access_token
        self.team_public.privacy_visibility = 'internal'
        self.assertNotEqual(self.ticket.access_token, token, "leaving public revokes the links")
        self.team_public.privacy_visibility = 'portal'
        self.assertFalse(self.ticket._portal_check_token(token))

    def test_merged_ticket_token_is_dead(self):
        token = self.ticket._portal_ensure_token()
        target = self._create_ticket(self.team_public, name='Kept', partner_id=self.portal.partner_id.id)
        wizard = Form(self.env['helpdesk.ticket.merge'].with_context(
            default_ticket_ids=(self.ticket | target).ids))
        wizard.target_ticket_id = target
        wizard.save().action_merge()
        self.assertFalse(self.ticket.active)
        self.assertFalse(self.ticket._portal_check_token(token))

    def test_customer_button_only_where_a_token_may_open(self):
        def customer_groups(ticket):
            message = ticket.message_ids[:1]
            return [g[0] for g in ticket._notify_get_recipients_groups(message, 'Ticket')]
        self.assertIn('portal_customer', customer_groups(self.ticket))
        company_ticket = self._create_ticket(self.team_company, partner_id=self.portal.partner_id.id)
        self.assertNotIn('portal_customer', customer_groups(company_ticket))
