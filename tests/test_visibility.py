from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import HelpdeskCommon

# Who may read a ticket, per team visibility level: (private, company, public)
READ_MATRIX = {
    'manager': (True, True, True),
    'agent_ticket_follower': (True, True, True),
    'agent_team_follower': (True, True, True),
    'agent_stranger': (False, True, True),
    'agent_other_company': (False, False, False),
    'portal_follower': (False, False, True),
    'portal_stranger': (False, False, False),
}
LEVELS = ('private', 'company', 'public')


@tagged('post_install', '-at_install')
class TestVisibility(HelpdeskCommon):
    """The three visibility levels, checked as every kind of user, each from the allowed and the denied side."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.actors = {
            'manager': cls.manager,
            'agent_ticket_follower': cls.agent,
            'agent_team_follower': cls.agent_2,
            'agent_stranger': cls._make_agent('hd_stranger', 'Agent Stranger'),
            'agent_other_company': cls.agent_other_company,
            'portal_follower': cls.portal,
            'portal_stranger': cls.portal_2,
        }
        cls.tickets = {}
        for level, team in zip(LEVELS, (cls.team_private, cls.team_company, cls.team_public)):
            ticket = cls._create_ticket(team, name='Visibility %s ticket' % level)
            ticket.message_subscribe(partner_ids=(cls.agent | cls.portal | cls.agent_other_company).partner_id.ids)
            # following the team after the ticket exists: only the team rule can grant access
            team.message_subscribe(partner_ids=(cls.agent_2 | cls.agent_other_company).partner_id.ids)
            cls.tickets[level] = ticket
        (cls.team_private | cls.team_company | cls.team_public).flush_recordset()

    @classmethod
    def _make_agent(cls, login, name):
        from odoo.tests.common import new_test_user
        return new_test_user(cls.env, login, groups='helpdesk_ce.group_helpdesk_user', name=name)

    def _cases(self):
        for actor, allowed_levels in READ_MATRIX.items():
            for level, allowed in zip(LEVELS, allowed_levels):
                yield actor, self.actors[actor], level, self.tickets[level], allowed

    def test_search(self):
        for actor, user, level, ticket, allowed in self._cases():
            with self.subTest(actor=actor, level=level):
                found = self.env['helpdesk.ticket'].with_user(user).search([('id', '=', ticket.id)])
                self.assertEqual(bool(found), allowed)

    @mute_logger('odoo.addons.base.models.ir_rule', 'odoo.models')
    def test_read(self):
        for actor, user, level, ticket, allowed in self._cases():
            with self.subTest(actor=actor, level=level):
                record = ticket.with_user(user)
                record.invalidate_recordset()
                if allowed:
                    self.assertEqual(record.read(['name'])[0]['name'], ticket.name)
                else:
                    with self.assertRaises(AccessError):
                        record.read(['name'])

    def test_list_page(self):
        """The list page (web_search_read) lists and reads, x2many fields included, what the rules allow."""
        spec = {'name': {}, 'tag_ids': {'fields': {'display_name': {}}}}
        for actor, user, level, ticket, allowed in self._cases():
            with self.subTest(actor=actor, level=level):
                self.env.invalidate_all()
                result = self.env['helpdesk.ticket'].with_user(user).web_search_read([('id', '=', ticket.id)], spec)
                self.assertEqual([record['name'] for record in result['records']], [ticket.name] if allowed else [])

    @mute_logger('odoo.addons.base.models.ir_rule', 'odoo.models', 'odoo.addons.base.models.ir_model')
    def test_list_page_refused(self):
        """The list page from the denied side: a visitor and an employee without helpdesk rights get nothing,
        an agent taken off the private team no longer lists its ticket."""
        spec = {'name': {}, 'tag_ids': {'fields': {'display_name': {}}}}
        private = self.tickets['private']
        for user in (self.env.ref('base.public_user'), self.internal):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env['helpdesk.ticket'].with_user(user).web_search_read([('id', '=', private.id)], spec)
        member = self._make_agent('hd_member_leaving', 'Agent Leaving')
        self.team_private.member_ids = [Command.link(member.id)]
        Ticket = self.env['helpdesk.ticket'].with_user(member)
        self.assertEqual(len(Ticket.web_search_read([('id', '=', private.id)], spec)['records']), 1)
        self.team_private.member_ids = [Command.unlink(member.id)]
        self.env.invalidate_all()
        self.assertEqual(Ticket.web_search_read([('id', '=', private.id)], spec)['records'], [])
        with self.assertRaises(AccessError):
            private.with_user(member).read(['tag_ids'])

    @mute_logger('odoo.addons.base.models.ir_rule', 'odoo.models')
    def test_list_page_checks_what_its_search_did_not_find(self):
        """Only the tickets a page's search found, for that user, skip the second rule check while it reads."""
        from odoo.addons.helpdesk_ce.models.record_rules import searched_readable
        stranger = self.actors['agent_stranger']
        Ticket = self.env['helpdesk.ticket']
        public, private = self.tickets['public'], self.tickets['private']
        with searched_readable(Ticket.with_user(stranger).search([('id', '=', public.id)])):
            self.env.invalidate_all()
            self.assertEqual(public.with_user(stranger).read(['tag_ids'])[0]['tag_ids'], public.tag_ids.ids)
            with self.assertRaises(AccessError):
                private.with_user(stranger).read(['tag_ids'])
            with self.assertRaises(AccessError):  # another user's search lets nobody else in
                with searched_readable(Ticket.with_user(self.agent).search([('id', '=', private.id)])):
                    self.env.invalidate_all()
                    private.with_user(stranger).read(['tag_ids'])
        with self.assertRaises(AccessError):  # and nothing is left once the page is read
            self.env.invalidate_all()
            private.with_user(stranger).read(['tag_ids'])

    @mute_logger('odoo.addons.base.models.ir_rule', 'odoo.models')
    def test_write(self):
        for actor, user, level, ticket, allowed in self._cases():
            # portal users never write through the ORM, even their own tickets
            can_write = allowed and not user.share
            with self.subTest(actor=actor, level=level):
                record = ticket.with_user(user)
                if can_write:
                    record.write({'priority': '2'})
                    self.assertEqual(ticket.priority, '2')
                else:
                    with self.assertRaises(AccessError):
                        record.write({'priority': '2'})
                        record.flush_recordset()

    def test_read_group(self):
        for actor, user, level, ticket, allowed in self._cases():
            with self.subTest(actor=actor, level=level):
                groups = self.env['helpdesk.ticket'].with_user(user)._read_group(
                    [('id', '=', ticket.id)], ['team_id'], ['__count'])
                self.assertEqual(sum(count for _team, count in groups), 1 if allowed else 0)

    def test_name_search(self):
        for actor, user, level, ticket, allowed in self._cases():
            with self.subTest(actor=actor, level=level):
                result = self.env['helpdesk.ticket'].with_user(user).name_search(ticket.name)
                self.assertEqual(ticket.id in [rid for rid, _name in result], allowed)

    @mute_logger('odoo.addons.base.models.ir_model', 'odoo.models')
    def test_internal_user_outside_helpdesk_groups(self):
        Ticket = self.env['helpdesk.ticket'].with_user(self.internal)
        for level, ticket in self.tickets.items():
            with self.subTest(level=level):
                with self.assertRaises(AccessError):
                    Ticket.search([('id', '=', ticket.id)])
                with self.assertRaises(AccessError):
                    ticket.with_user(self.internal).read(['name'])
                with self.assertRaises(AccessError):
                    Ticket._read_group([], ['team_id'], ['__count'])
                with self.assertRaises(AccessError):
                    Ticket.name_search(ticket.name)
                with self.assertRaises(AccessError):
                    ticket.with_user(self.internal).write({'priority': '1'})

    @mute_logger('odoo.addons.base.models.ir_model', 'odoo.models')
    def test_agents_cannot_delete_managers_can(self):
        ticket = self.tickets['company']
        with self.assertRaises(AccessError):
            ticket.with_user(self.agent).unlink()
        ticket.with_user(self.manager).unlink()
        self.assertFalse(ticket.exists())

    @mute_logger('odoo.addons.base.models.ir_model', 'odoo.models')
    def test_portal_cannot_create(self):
        with self.assertRaises(AccessError):
            self.env['helpdesk.ticket'].with_user(self.portal).create(
                {'name': 'Sneaky', 'team_id': self.team_public.id})

    def test_private_team_members_see_without_following(self):
        member = self._make_agent('hd_member', 'Member Mo')
        ticket = self.tickets['private']
        self.assertFalse(self.env['helpdesk.ticket'].with_user(member).search([('id', '=', ticket.id)]))
        self.team_private.member_ids = [(4, member.id)]
        self.assertNotIn(member.partner_id, self.team_private.message_partner_ids)
        self.assertNotIn(member.partner_id, ticket.message_partner_ids)
        self.assertTrue(self.env['helpdesk.ticket'].with_user(member).search([('id', '=', ticket.id)]))
        self.assertTrue(self.env['helpdesk.team'].with_user(member).search([('id', '=', self.team_private.id)]))
        # leaving the team takes the access away again
        self.team_private.member_ids = [(3, member.id)]
        self.assertFalse(self.env['helpdesk.ticket'].with_user(member).search([('id', '=', ticket.id)]))

    @mute_logger('odoo.addons.base.models.ir_rule')
    def test_portal_never_sees_non_public_team_even_following_it(self):
        self.team_company.message_subscribe(partner_ids=self.portal.partner_id.ids)
        self.assertFalse(self.env['helpdesk.team'].with_user(self.portal).search([('id', '=', self.team_company.id)]))
        self.assertFalse(self.env['helpdesk.ticket'].with_user(self.portal).search(
            [('team_id', '=', self.team_company.id)]))
        self.assertTrue(self.env['helpdesk.team'].with_user(self.portal).search([('id', '=', self.team_public.id)]))

    def test_private_team_hidden_from_strangers(self):
        Team = self.env['helpdesk.team']
        self.assertFalse(Team.with_user(self.actors['agent_stranger']).search([('id', '=', self.team_private.id)]))
        self.assertTrue(Team.with_user(self.agent_2).search([('id', '=', self.team_private.id)]))
        self.assertTrue(Team.with_user(self.manager).search([('id', '=', self.team_private.id)]))


@tagged('post_install', '-at_install')
class TestVisibilityChange(HelpdeskCommon):

    def test_leaving_public_closes_the_portal(self):
        """Portal users lose the tickets (rules) and their links (tokens renewed), but still get replies by email."""
        ticket = self._create_ticket(self.team_public, partner_id=self.portal.partner_id.id)
        archived = self._create_ticket(self.team_public, partner_id=self.portal.partner_id.id, active=False)
        tokens = {record: record._portal_ensure_token() for record in ticket | archived}
        Ticket = self.env['helpdesk.ticket'].with_user(self.portal)
        self.assertEqual(Ticket.search([('id', '=', ticket.id)]), ticket)

        self.team_public.privacy_visibility = 'internal'

        self.assertFalse(Ticket.search([('id', '=', ticket.id)]))
        self.assertIn(self.portal.partner_id, ticket.message_partner_ids, "the customer still gets the replies")
        for record, token in tokens.items():
            self.assertNotEqual(record.access_token, token)
            self.assertFalse(record._portal_check_token(token))

    def test_other_changes_keep_portal_followers(self):
        ticket = self._create_ticket(self.team_company, partner_id=self.portal.partner_id.id)
        self.team_company.privacy_visibility = 'invited_internal'
        self.assertIn(self.portal.partner_id, ticket.message_partner_ids)
