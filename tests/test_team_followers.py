from odoo.tests import tagged

from odoo.addons.mail.tests.common import MailCase

from .common import HelpdeskCommon


@tagged('post_install', '-at_install')
class TestTeamFollowers(HelpdeskCommon, MailCase):
    """Following a team means hearing of its new tickets and their stage changes, as following a project."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, mail_create_nolog=False))
        cls.watcher = cls.agent_2.partner_id
        cls.team_company.message_subscribe(partner_ids=cls.watcher.ids)  # the team's default subtypes
        cls.customer = cls.env['res.partner'].create({'name': 'Cora Customer', 'email': 'cora@example.com'})
        cls.env.ref('helpdesk_ce.stage_new').template_id = False  # no acknowledgement: only what we test

    def _create(self, team):
        with self.mock_mail_gateway():
            ticket = self.env['helpdesk.ticket'].with_user(self.agent).create({
                'name': 'Screen flickers', 'team_id': team.id, 'partner_id': self.customer.id})
            self.flush_tracking()
        return ticket.with_user(self.agent)

    def test_team_follower_hears_of_new_tickets(self):
        ticket = self._create(self.team_company)
        created = ticket.message_ids.filtered(lambda m: m.subtype_id == self.env.ref('helpdesk_ce.mt_ticket_new'))
        self.assertEqual(len(created), 1, "a creation message carries the Ticket Created subtype")
        self.assertIn(self.watcher, created.notified_partner_ids)
        self.assertNotIn(self.customer, created.notified_partner_ids, "customers are not told of internal events")
        elsewhere = self._create(self.team_public)
        self.assertNotIn(self.watcher, elsewhere.message_ids.notified_partner_ids)

    def test_creation_message_is_logged_where_nobody_follows_new_tickets(self):
        """The creation message of a ticket nobody follows for new tickets is the same message, logged: nobody
        notified, no recipients looked up (a creation's costliest part)."""
        subtype = self.env.ref('helpdesk_ce.mt_ticket_new')
        posted = self._create(self.team_company).message_ids.filtered(lambda m: m.subtype_id == subtype)
        ticket = self._create(self.team_public)
        logged = ticket.message_ids.filtered(lambda m: m.subtype_id == subtype)
        self.assertEqual(len(logged), 1)
        self.assertTrue(posted.notified_partner_ids)
        self.assertFalse(logged.notified_partner_ids)
        for fname in ('message_type', 'author_id', 'email_from', 'is_internal', 'body', 'parent_id',
                      'record_company_id', 'record_alias_domain_id', 'email_add_signature'):
            self.assertEqual(logged[fname], posted[fname], fname)
        self.assertEqual(logged.author_id, self.agent.partner_id)
        self.assertFalse(logged.is_internal, "the customer sees it in the portal, as the posted one")
        self.assertEqual(logged.record_name, ticket.display_name)

    def test_batch_logs_each_creation_once_notifies_where_followed(self):
        tickets = self.env['helpdesk.ticket'].with_user(self.agent).create([
            {'name': 'Batch %s' % n, 'team_id': team.id, 'partner_id': self.customer.id}
            for n, team in enumerate((self.team_public, self.team_company, self.team_public))])
        subtype = self.env.ref('helpdesk_ce.mt_ticket_new')
        for ticket in tickets:
            created = ticket.message_ids.filtered(lambda m: m.subtype_id == subtype)
            self.assertEqual(len(created), 1)
            self.assertEqual(self.watcher in created.notified_partner_ids, ticket.team_id == self.team_company)

    def test_no_creation_message_when_asked(self):
        ticket = self.env['helpdesk.ticket'].with_context(mail_create_nolog=True).create({
            'name': 'Quiet', 'team_id': self.team_company.id})
        self.assertFalse(ticket.message_ids)

    def test_each_follower_once_whoever_creates(self):
        """Mail looks a new ticket's existing followers up only when it subscribed the creator first (an active
        user): either way the assignee, also following the team, and the customer follow once."""
        self.assertFalse(self.env.user.active, "OdooBot, as jobs and the mail gateway create")
        for env in (self.env(user=self.watcher.user_ids[0]), self.env):
            with self.mock_mail_gateway():
                ticket = env['helpdesk.ticket'].create({
                    'name': 'Once', 'team_id': self.team_company.id, 'partner_id': self.customer.id,
                    'user_id': self.watcher.user_ids[0].id})
            followers = self.env['mail.followers'].search([
                ('res_model', '=', 'helpdesk.ticket'), ('res_id', '=', ticket.id)])
            self.assertEqual(len(followers), len(followers.partner_id), env.user.name)
            self.assertEqual(followers.partner_id, self.watcher | self.customer, env.user.name)

    def test_team_follower_hears_of_stage_changes_customer_does_not(self):
        ticket = self._create(self.team_company)
        with self.mock_mail_gateway():
            ticket.stage_id = self.stage_progress
            self.flush_tracking()
        moved = ticket.message_ids.filtered(lambda m: m.subtype_id == self.env.ref('helpdesk_ce.mt_ticket_stage'))
        self.assertEqual(len(moved), 1)
        self.assertIn(self.watcher, moved.notified_partner_ids)
        self.assertNotIn(self.customer, moved.notified_partner_ids)

    def test_follower_choices_on_the_team_apply_to_tickets(self):
        """Unticking "Ticket Stage Changed" on the team keeps new tickets but silences stage changes."""
        self.team_company.message_subscribe(
            partner_ids=self.watcher.ids,
            subtype_ids=(self.env.ref('helpdesk_ce.mt_team_ticket_new') | self.env.ref('mail.mt_comment')).ids)
        ticket = self._create(self.team_company)
        self.assertIn(self.watcher, ticket.message_ids.notified_partner_ids)
        with self.mock_mail_gateway():
            ticket.stage_id = self.stage_progress
            self.flush_tracking()
        moved = ticket.message_ids.filtered(lambda m: m.subtype_id == self.env.ref('helpdesk_ce.mt_ticket_stage'))
        self.assertNotIn(self.watcher, moved.notified_partner_ids)

    def test_ticket_moved_into_the_team(self):
        ticket = self._create(self.team_public)
        self.assertNotIn(self.watcher, ticket.message_partner_ids)
        ticket.team_id = self.team_company
        self.assertIn(self.watcher, ticket.message_partner_ids)
        with self.mock_mail_gateway():
            ticket.stage_id = self.stage_progress
            self.flush_tracking()
        moved = ticket.message_ids.filtered(lambda m: m.subtype_id == self.env.ref('helpdesk_ce.mt_ticket_stage'))
        self.assertIn(self.watcher, moved.notified_partner_ids)

    def test_import_without_tracking_still_follows(self):
        ticket = self.env['helpdesk.ticket'].with_context(tracking_disable=True).create({
            'name': 'Imported', 'team_id': self.team_company.id})
        self.assertIn(self.watcher, ticket.message_partner_ids)
