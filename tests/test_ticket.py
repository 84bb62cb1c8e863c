from odoo.tests import tagged

from .common import HelpdeskCommon


@tagged('post_install', '-at_install')
class TestTicket(HelpdeskCommon):

    def test_reference_from_sequence(self):
        first, second = self.env['helpdesk.ticket'].create([
            {'name': 'A', 'team_id': self.team_public.id},
            {'name': 'B', 'team_id': self.team_public.id},
        ])
        self.assertRegex(first.ticket_ref, r'^HD\d{5}$')
        self.assertEqual(int(second.ticket_ref[2:]), int(first.ticket_ref[2:]) + 1)

    def test_reference_from_the_company_sequence(self):
        """A company's own sequence wins over the shared one, whatever its implementation."""
        sequence = self.env['ir.sequence'].create({
            'name': 'Far tickets', 'code': 'helpdesk.ticket', 'company_id': self.company_2.id, 'prefix': 'FAR-',
            'padding': 3, 'implementation': 'no_gap'})
        team = self.env['helpdesk.team'].create({'name': 'Far', 'company_id': self.company_2.id})
        Ticket = self.env['helpdesk.ticket'].with_company(self.company_2)
        tickets = Ticket.create([{'name': 'A', 'team_id': team.id}, {'name': 'B', 'team_id': team.id}])
        self.assertEqual(tickets.mapped('ticket_ref'), ['FAR-001', 'FAR-002'])
        sequence.implementation = 'standard'
        self.assertEqual(Ticket.create({'name': 'C', 'team_id': team.id}).ticket_ref, 'FAR-003')
        self.assertRegex(self._create_ticket(self.team_public).ticket_ref, r'^HD\d{5}$', "other companies")

    def test_first_stage_of_team(self):
        ticket = self._create_ticket(self.team_public)
        self.assertEqual(ticket.stage_id, self.team_public.stage_ids[0])
        self.assertEqual(ticket.stage_id, self.stage_new)

    def test_fold_closes_and_reopening_clears(self):
        ticket = self._create_ticket(self.team_public)
        self.assertFalse(ticket.is_closed)
        self.assertFalse(ticket.close_date)
        ticket.stage_id = self.stage_solved
        self.assertTrue(ticket.is_closed)
        self.assertTrue(ticket.close_date)
        ticket.stage_id = self.stage_progress
        self.assertFalse(ticket.is_closed)
        self.assertFalse(ticket.close_date)

    def test_customer_data_from_partner_or_as_typed(self):
        customer = self.env['res.partner'].create({
            'name': 'Grace Hopper', 'email': 'grace@example.com', 'phone': '+1 555 0199'})
        ticket = self._create_ticket(self.team_public, partner_id=customer.id)
        self.assertEqual(
            (ticket.partner_name, ticket.partner_email, ticket.partner_phone),
            ('Grace Hopper', 'grace@example.com', '+1 555 0199'))
        typed = self._create_ticket(
            self.team_public, partner_name='Walk-in', partner_email='walkin@example.com', partner_phone='123')
        self.assertEqual(
            (typed.partner_name, typed.partner_email, typed.partner_phone),
            ('Walk-in', 'walkin@example.com', '123'))
        typed.name = 'Renamed'
        self.assertEqual(typed.partner_email, 'walkin@example.com')

    def test_customer_follows_ticket(self):
        customer = self.env['res.partner'].create({'name': 'Ada', 'email': 'ada@example.com'})
        ticket = self._create_ticket(self.team_public, partner_id=customer.id)
        self.assertIn(customer, ticket.message_partner_ids)
        other = self.env['res.partner'].create({'name': 'Linus', 'email': 'linus@example.com'})
        ticket.partner_id = other
        self.assertIn(other, ticket.message_partner_ids)

    def test_team_followers_follow_all_tickets(self):
        watcher = self.agent_2.partner_id
        self.team_company.follow_all_partner_ids = [(4, watcher.id)]
        self.assertIn(watcher, self.team_company.message_partner_ids)
        created_in = self._create_ticket(self.team_company)
        moved_in = self._create_ticket(self.team_public)
        elsewhere = self._create_ticket(self.team_public)
        self.assertIn(watcher, created_in.message_partner_ids)
        self.assertNotIn(watcher, moved_in.message_partner_ids)
        moved_in.team_id = self.team_company
        self.assertIn(watcher, moved_in.message_partner_ids)
        self.assertNotIn(watcher, elsewhere.message_partner_ids)
        self.team_company.follow_all_partner_ids = [(3, watcher.id)]
        self.assertNotIn(watcher, self.team_company.message_partner_ids)

    def test_batch_create_follows_per_team(self):
        self.team_company.message_subscribe(partner_ids=self.agent.partner_id.ids)
        self.team_public.message_subscribe(partner_ids=self.agent_2.partner_id.ids)
        tickets = self.env['helpdesk.ticket'].create([
            {'name': 'One', 'team_id': self.team_company.id},
            {'name': 'Two', 'team_id': self.team_public.id},
        ])
        self.assertIn(self.agent.partner_id, tickets[0].message_partner_ids)
        self.assertNotIn(self.agent_2.partner_id, tickets[0].message_partner_ids)
        self.assertIn(self.agent_2.partner_id, tickets[1].message_partner_ids)

    def test_changing_team_moves_to_its_stages(self):
        special = self.env['helpdesk.stage'].create({'name': 'Triage', 'sequence': 0})
        team = self.env['helpdesk.team'].create({'name': 'Triage Team', 'stage_ids': [(6, 0, special.ids)]})
        ticket = self._create_ticket(self.team_public)
        ticket.team_id = team
        self.assertEqual(ticket.stage_id, special)

    def test_kanban_shows_empty_team_stages(self):
        self._create_ticket(self.team_public)
        groups = self.env['helpdesk.ticket'].with_context(default_team_id=self.team_public.id).read_group(
            [('team_id', '=', self.team_public.id)], ['stage_id'], ['stage_id'])
        self.assertEqual([g['stage_id'][0] for g in groups], self.team_public.stage_ids.ids)
        self.assertEqual([g['stage_id_count'] for g in groups], [1, 0, 0, 0, 0])

    def test_assign_to_me(self):
        ticket = self._create_ticket(self.team_public)
        ticket.with_user(self.agent).action_assign_to_me()
        self.assertEqual(ticket.user_id, self.agent)
        self.assertTrue(ticket.assign_date)

    def test_search_by_reference(self):
        ticket = self._create_ticket(self.team_public, name='Unique subject')
        self.assertEqual(self.env['helpdesk.ticket'].name_search(ticket.ticket_ref), [(ticket.id, ticket.display_name)])
        self.assertIn(ticket.ticket_ref, ticket.display_name)

    def test_batch_create_query_count(self):
        """A batch create costs no per-ticket query of ours: only mail's own follower check per record."""
        customer = self.env['res.partner'].create({'name': 'Batch Customer', 'email': 'batch@example.com'})
        # the acknowledgement email is one message per ticket by nature: measure ticket creation itself
        self.stage_new.template_id = False

        def create(count):
            self.env['helpdesk.ticket'].create([
                {'name': 'Batch %s' % i, 'team_id': self.team_public.id, 'partner_id': customer.id}
                for i in range(count)])
            self.env.flush_all()

        create(2)  # warm the caches
        queries = []
        for count in (5, 20):
            self.env.invalidate_all()
            start = self.cr.sql_log_count
            create(count)
            queries.append(self.cr.sql_log_count - start)
        per_ticket = (queries[1] - queries[0]) / 15
        self.assertLessEqual(per_ticket, 1, "ticket creation issues per-ticket queries: %s" % queries)
