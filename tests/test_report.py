from datetime import datetime

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import HelpdeskSLACommon

MONDAY = datetime(2024, 1, 8, 10, 0)  # a Monday, 10:00 UTC; the calendar works 9:00-17:00 UTC


@tagged('post_install', '-at_install')
class TestTicketReport(HelpdeskSLACommon):
    """Seeded tickets whose every figure is known on the calendar of the team."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Report = cls.env['helpdesk.ticket.report.analysis']
        cls.sla = cls._create_sla(name='Solve in a day', time=8)

    def _rate(self, ticket, value):
        """As rating.mixin does: the request makes an empty rating, the customer's click fills it."""
        rating = self.env['rating.rating'].create({
            'res_model_id': self.env['ir.model']._get_id('helpdesk.ticket'),
            'res_id': ticket.id,
            'partner_id': ticket.partner_id.id,
            'rated_partner_id': ticket.user_id.partner_id.id,
        })
        rating.write({'rating': value, 'consumed': True})
        return rating

    def _reply(self, ticket, when):
        with self._at(when):
            ticket.with_user(self.agent).message_post(
                body="On it", message_type='comment', subtype_xmlid='mail.mt_comment')

    def _seed(self):
        customer = self.env['res.partner'].create({'name': 'Carla Customer', 'email': 'carla@example.com'})
        with self._at(MONDAY):
            fast, slow, stuck = [self._create_ticket(self.team, name=name, partner_id=customer.id)
                                 for name in ('fast', 'slow', 'stuck')]
        # fast: assigned after 2 working hours, answered after 3, solved right at its deadline
        with self._at('2024-01-08 12:00:00'):
            fast.user_id = self.agent
        self._reply(fast, '2024-01-08 13:00:00')
        with self._at('2024-01-09 10:00:00'):
            fast.stage_id = self.stage_solved
            self._rate(fast, 5)
        # slow: assigned after 9 working hours, answered after 7.5, solved after 18, SLA failed
        self._reply(slow, '2024-01-09 09:30:00')
        with self._at('2024-01-09 11:00:00'):
            slow.user_id = self.agent
        with self._at('2024-01-10 12:00:00'):
            slow.stage_id = self.stage_solved
            self._rate(slow, 1)
        # stuck: never touched, its SLA fails with the cron
        with self._at('2024-01-10 12:00:00'):
            self.env['helpdesk.sla.status']._cron_fail_overdue()
        # running: created now, its SLA deadline still ahead
        running = self._create_ticket(self.team, name='running')
        self.env.flush_all()
        return fast, slow, stuck, running

    def _db_now(self):
        self.env.cr.execute("SELECT NOW() AT TIME ZONE 'UTC'")
        return self.env.cr.fetchone()[0]

    def test_measures_per_ticket(self):
        fast, slow, stuck, running = self._seed()
        self.assertEqual((fast.assign_hours, fast.first_response_hours, fast.close_hours), (2, 3, 8))
        self.assertEqual((slow.assign_hours, slow.first_response_hours, slow.close_hours), (9, 7.5, 18))
        now = self._db_now()
        rows = {row['ticket_id'][0]: row for row in self.Report.search_read(
            [('team_id', '=', self.team.id)],
            ['ticket_id', 'assign_hours', 'close_hours', 'first_response_hours', 'open_hours',
             'sla_deadline_hours', 'sla_failed_count', 'rating_avg'])}
        self.assertEqual(len(rows), 4)
        self.assertEqual(rows[fast.id]['open_hours'], 24, "calendar hours, creation to close")
        self.assertEqual(rows[slow.id]['open_hours'], 50)
        self.assertAlmostEqual(rows[stuck.id]['open_hours'], (now - MONDAY).total_seconds() / 3600, places=4)
        self.assertAlmostEqual(rows[running.id]['open_hours'],
                               (now - running.create_date).total_seconds() / 3600, places=4)
        self.assertTrue(running.sla_deadline)
        self.assertAlmostEqual(rows[running.id]['sla_deadline_hours'],
                               (running.sla_deadline - now).total_seconds() / 3600, places=4)
        self.assertFalse(rows[stuck.id]['sla_deadline_hours'], "a failed SLA has no running deadline")
        self.assertEqual([rows[t.id]['sla_failed_count'] for t in (fast, slow, stuck, running)], [0, 1, 1, 0])
        self.assertEqual([rows[t.id]['rating_avg'] for t in (fast, slow)], [5, 1])
        self.assertEqual(rows[fast.id]['first_response_hours'], 3)

    def test_aggregates_by_team(self):
        fast, slow, stuck, running = self._seed()
        [group] = self.Report.read_group(
            [('team_id', '=', self.team.id)],
            ['assign_hours', 'close_hours', 'first_response_hours', 'sla_failed_count', 'rating_avg',
             'open_hours', 'sla_deadline_hours'],
            ['team_id'])
        self.assertEqual(group['team_id_count'], 4)
        # averages skip the tickets the event has not happened to yet
        self.assertEqual(group['assign_hours'], (2 + 9) / 2)
        self.assertEqual(group['close_hours'], (8 + 18) / 2)
        self.assertEqual(group['first_response_hours'], (3 + 7.5) / 2)
        self.assertEqual(group['sla_failed_count'], 2)
        self.assertEqual(group['rating_avg'], 3)
        self.assertAlmostEqual(group['sla_deadline_hours'],
                               (running.sla_deadline - self._db_now()).total_seconds() / 3600, places=4)
        closed = self.Report.read_group(
            [('team_id', '=', self.team.id), ('is_closed', '=', True)], ['open_hours'], ['team_id'])
        self.assertEqual(closed[0]['open_hours'], (24 + 50) / 2)

    def test_reopening_clears_close_measure(self):
        fast, *_others = self._seed()
        fast.stage_id = self.stage_progress
        self.env.flush_all()
        row = self.Report.search_read([('ticket_id', '=', fast.id)], ['close_hours'])[0]
        self.assertFalse(row['close_hours'])

    def test_archived_tickets_left_out(self):
        fast, *_others = self._seed()
        fast.active = False
        self.env.flush_all()
        self.assertEqual(self.Report.search_count([('team_id', '=', self.team.id)]), 3)

    def test_sla_status_analysis(self):
        self._seed()
        groups = self.env['helpdesk.sla.status'].read_group(
            [('team_id', '=', self.team.id)], ['status'], ['team_id', 'status'], lazy=False)
        counts = {group['status']: group['__count'] for group in groups}
        self.assertEqual(counts, {'reached': 1, 'failed': 2, 'ongoing': 1})

    def test_customer_ratings_analysis(self):
        fast, slow, *_others = self._seed()
        action = self.env.ref('helpdesk_ce.helpdesk_rating_action_analysis')
        ratings = self.env['rating.rating'].search(safe_eval(action.domain))
        self.assertEqual(set(ratings.mapped('res_id')), {fast.id, slow.id})
        groups = self.env['rating.rating'].read_group(
            safe_eval(action.domain), ['rating:avg'], ['parent_res_name'])
        self.assertEqual(groups[0]['rating'], 3)

    def test_menu_and_access(self):
        menu = self.env.ref('helpdesk_ce.menu_helpdesk_ticket_analysis')
        self.assertEqual(menu.action, self.env.ref('helpdesk_ce.helpdesk_ticket_report_analysis_action'))
        self._seed()
        self.assertEqual(self.Report.with_user(self.manager).search_count([('team_id', '=', self.team.id)]), 4)
        with self.assertRaises(AccessError):
            self.Report.with_user(self.agent).search([])
        other = self.env['helpdesk.team'].create({'name': 'Far Team', 'company_id': self.company_2.id})
        self._create_ticket(other)
        self.env.flush_all()
        self.assertFalse(self.Report.with_user(self.manager).search([('team_id', '=', other.id)]),
                         "another company's tickets stay out of the report")
