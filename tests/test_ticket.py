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
