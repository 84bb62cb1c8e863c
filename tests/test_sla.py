from datetime import datetime

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, tagged

from .common import HelpdeskSLACommon

MONDAY = datetime(2024, 1, 8, 10, 0)  # a Monday, 10:00 UTC


@tagged('post_install', '-at_install')
class TestSLADeadlines(HelpdeskSLACommon):

    def test_deadline_in_working_hours(self):
        self._create_sla(time=8)
        with self._at(MONDAY):
            monday = self._create_ticket(self.team)
        with self._at('2024-01-12 15:00:00'):  # Friday afternoon: 2 hours today, 6 on Monday
            friday = self._create_ticket(self.team)
        self.assertEqual(monday.sla_status_ids.deadline, datetime(2024, 1, 9, 10, 0))
        self.assertEqual(monday.sla_deadline, datetime(2024, 1, 9, 10, 0))
        self.assertEqual(friday.sla_deadline, datetime(2024, 1, 15, 15, 0))

    def test_deadline_outside_working_hours(self):
        """A ticket of Saturday night starts its clock on Monday morning."""
        self._create_sla(time=3)
        with self._at('2024-01-13 22:00:00'):
            ticket = self._create_ticket(self.team)
        self.assertEqual(ticket.sla_deadline, datetime(2024, 1, 15, 12, 0))

    def test_deadline_skips_company_leaves(self):
        self.env['resource.calendar.leaves'].create({
            'name': 'Public holiday',
            'calendar_id': self.calendar.id,
            'date_from': datetime(2024, 1, 15, 0, 0),
            'date_to': datetime(2024, 1, 15, 23, 59),
        })
        self._create_sla(time=4)
        with self._at('2024-01-12 15:00:00'):
            ticket = self._create_ticket(self.team)
        self.assertEqual(ticket.sla_deadline, datetime(2024, 1, 16, 11, 0))

    def test_deadline_in_calendar_timezone(self):
        """9:00-17:00 in Brussels is 8:00-16:00 UTC in winter."""
        self.team.resource_calendar_id = self._create_calendar('Brussels', 'Europe/Brussels')
        self._create_sla(time=8)
        with self._at(MONDAY):
            ticket = self._create_ticket(self.team)
        self.assertEqual(ticket.sla_deadline, datetime(2024, 1, 9, 10, 0))
        with self._at('2024-01-08 15:30:00'):
            late = self._create_ticket(self.team)
        self.assertEqual(late.sla_deadline, datetime(2024, 1, 9, 15, 30))

    def test_team_without_calendar_counts_every_hour(self):
        self.team.resource_calendar_id = False
        self.company.resource_calendar_id = False
        self._create_sla(time=30)
        with self._at(MONDAY):
            ticket = self._create_ticket(self.team)
        self.assertEqual(ticket.sla_deadline, datetime(2024, 1, 9, 16, 0))

    def test_earliest_ongoing_deadline(self):
        self._create_sla(name='Answer', time=2, target_type='first_response', stage_id=False)
        self._create_sla(name='Solve', time=16)
        with self._at(MONDAY):
            ticket = self._create_ticket(self.team)
        self.assertEqual(len(ticket.sla_status_ids), 2)
        self.assertEqual(ticket.sla_deadline, datetime(2024, 1, 8, 12, 0))
        with self._at('2024-01-08 11:00:00'):
            ticket.with_user(self.agent).message_post(
                body="Looking into it", message_type='comment', subtype_xmlid='mail.mt_comment')
        self.assertEqual(ticket.sla_deadline, datetime(2024, 1, 10, 10, 0))

    def test_policy_constraints(self):
        with self.assertRaises(ValidationError):
            self._create_sla(time=0)
        with self.assertRaises(ValidationError):
            self._create_sla(stage_id=False)
        with self.assertRaises(ValidationError):
            self._create_sla(exclude_stage_ids=[(4, self.stage_solved.id)])

    def test_deleting_a_policy_clears_the_tickets(self):
        sla = self._create_sla(time=2)
        with self._at(MONDAY):
            ticket = self._create_ticket(self.team)
        with self._at('2024-01-08 13:00:00'):
            self.env['helpdesk.sla.status']._cron_fail_overdue()
        self.assertTrue(ticket.sla_fail)
        sla.unlink()
        self.assertFalse(ticket.sla_status_ids)
        self.assertFalse(ticket.sla_fail)
        self.assertFalse(ticket.sla_deadline)

    def test_policy_time_change_moves_open_deadlines(self):
        sla = self._create_sla(time=8)
        with self._at(MONDAY):
            ticket = self._create_ticket(self.team)
        with self._at('2024-01-08 11:00:00'):
            sla.time = 4
        self.assertEqual(ticket.sla_deadline, datetime(2024, 1, 8, 14, 0))


@tagged('post_install', '-at_install')
class TestSLAMatching(HelpdeskSLACommon):

    def test_criteria(self):
        tag_vip, tag_other = self.env['helpdesk.tag'].create([{'name': 'VIP'}, {'name': 'Other'}])
        category = self.env['helpdesk.ticket.category'].create({'name': 'Billing'})
        company = self.env['res.partner'].create({'name': 'Big Corp', 'is_company': True})
        contact = self.env['res.partner'].create({'name': 'Bob', 'parent_id': company.id})
        every = self._create_sla(name='Every ticket')
        urgent = self._create_sla(name='Urgent', priority='3')
        vip = self._create_sla(name='VIP', tag_ids=[(4, tag_vip.id)])
        billing = self._create_sla(name='Billing', category_ids=[(4, category.id)])
        big_corp = self._create_sla(name='Big Corp', partner_ids=[(4, company.id)])
        self._create_sla(name='Other team', team_id=self.team_public.id, stage_id=self.stage_solved.id)

        plain = self._create_ticket(self.team)
        self.assertEqual(plain.sla_status_ids.sla_id, every)
        rich = self._create_ticket(
            self.team, priority='3', tag_ids=[(6, 0, (tag_vip | tag_other).ids)], category_id=category.id,
            partner_id=contact.id)
        self.assertEqual(rich.sla_status_ids.sla_id, every | urgent | vip | billing | big_corp)
        other_tag = self._create_ticket(self.team, priority='2', tag_ids=[(6, 0, tag_other.ids)])
        self.assertEqual(other_tag.sla_status_ids.sla_id, every)

    def test_team_without_sla(self):
        self._create_sla()
        self.team.use_sla = False
        self.assertFalse(self._create_ticket(self.team).sla_status_ids)

    def test_rematch_on_priority_change(self):
        every = self._create_sla(name='Every ticket', time=16)
        urgent = self._create_sla(name='Urgent', priority='3', time=2)
        with self._at(MONDAY):
            ticket = self._create_ticket(self.team, priority='1')
        self.assertEqual(ticket.sla_status_ids.sla_id, every)
        first_status = ticket.sla_status_ids
        with self._at('2024-01-08 11:00:00'):
            ticket.priority = '3'
        self.assertEqual(ticket.sla_status_ids.sla_id, every | urgent)
        self.assertIn(first_status, ticket.sla_status_ids, "a policy that still matches keeps its clock")
        urgent_status = ticket.sla_status_ids.filtered(lambda s: s.sla_id == urgent)
        self.assertEqual(urgent_status.deadline, datetime(2024, 1, 8, 12, 0), "counted from the creation")
        self.assertEqual(ticket.sla_deadline, datetime(2024, 1, 8, 12, 0))
        with self._at('2024-01-08 11:30:00'):
            ticket.priority = '1'
        self.assertEqual(ticket.sla_status_ids.sla_id, every, "an ongoing policy that no longer applies goes")

    def test_rematch_after_deadline_fails_at_once(self):
        self._create_sla(name='Urgent', priority='3', time=2)
        with self._at(MONDAY):
            ticket = self._create_ticket(self.team)
        with self._at('2024-01-08 15:00:00'):
            ticket.priority = '3'
        self.assertEqual(ticket.sla_status_ids.status, 'failed')
        self.assertTrue(ticket.sla_fail)

    def test_rematch_keeps_finished_statuses(self):
        urgent = self._create_sla(name='Urgent', priority='3', time=2, stage_id=self.stage_progress.id)
        with self._at(MONDAY):
            ticket = self._create_ticket(self.team, priority='3')
        with self._at('2024-01-08 11:00:00'):
            ticket.stage_id = self.stage_progress
            ticket.priority = '0'
        self.assertEqual(ticket.sla_status_ids.sla_id, urgent)
        self.assertEqual(ticket.sla_status_ids.status, 'reached')

    def test_rematch_on_team_change(self):
        self._create_sla(name='Company team')
        public_sla = self._create_sla(name='Public team', team_id=self.team_public.id)
        ticket = self._create_ticket(self.team)
        ticket.team_id = self.team_public
        self.assertEqual(ticket.sla_status_ids.sla_id, public_sla)

    def test_batch_matching_queries(self):
        """Matching policies costs the same number of queries for 5 tickets or 40 (after a warm-up)."""
        self._create_sla(name='Every ticket')
        self._create_sla(name='Urgent', priority='3', time=2)
        self._create_sla(name='Answer', target_type='first_response', stage_id=False, time=2,
                         exclude_stage_ids=[(4, self.stage_waiting.id)])
        Status = self.env['helpdesk.sla.status']
        counts = []
        for size in (2, 5, 40):
            self.team.use_sla = False
            tickets = self.env['helpdesk.ticket'].create([
                {'name': 'T%s' % n, 'team_id': self.team.id, 'priority': str(n % 4)} for n in range(size)])
            self.team.use_sla = True
            self.env.flush_all()
            self.env.invalidate_all()
            count_before = self.env.cr.sql_log_count
            Status._apply_to_tickets(tickets)
            self.env.flush_all()
            counts.append(self.env.cr.sql_log_count - count_before)
            self.assertEqual(len(tickets.sla_status_ids), size * 2 + size // 4)
        self.assertEqual(counts[1], counts[2])


@tagged('post_install', '-at_install')
class TestSLAStatus(HelpdeskSLACommon):

    def test_excluded_stage_stops_the_clock(self):
        self._create_sla(time=8, exclude_stage_ids=[(4, self.stage_waiting.id)])
        with self._at(MONDAY):
            ticket = self._create_ticket(self.team)
        status = ticket.sla_status_ids
        self.assertEqual(status.deadline, datetime(2024, 1, 9, 10, 0))
        with self._at('2024-01-08 12:00:00'):  # 2 hours used, 6 left
            ticket.stage_id = self.stage_waiting
        self.assertFalse(status.deadline, "the deadline is paused")
        self.assertFalse(ticket.sla_deadline)
        self.assertEqual(status.status, 'ongoing')
        with self._at('2024-01-10 09:00:00'):  # the first deadline is long gone
            self.env['helpdesk.sla.status']._cron_fail_overdue()
        self.assertEqual(status.status, 'ongoing', "a stopped clock does not fail")
        with self._at('2024-01-10 10:00:00'):
            ticket.stage_id = self.stage_progress
        self.assertEqual(status.paused_hours, 14)  # Monday 12-17, Tuesday, Wednesday 9-10
        self.assertEqual(status.deadline, datetime(2024, 1, 10, 16, 0), "the 6 hours left, from now")
        self.assertEqual(ticket.sla_deadline, status.deadline)

    def test_created_in_excluded_stage(self):
        self._create_sla(time=2, exclude_stage_ids=[(4, self.stage_waiting.id)])
        with self._at(MONDAY):
            ticket = self._create_ticket(self.team, stage_id=self.stage_waiting.id)
        self.assertFalse(ticket.sla_status_ids.deadline)
        with self._at('2024-01-09 10:00:00'):
            ticket.stage_id = self.stage_new
        self.assertEqual(ticket.sla_deadline, datetime(2024, 1, 9, 12, 0))

    def test_reached_in_target_or_later_stage(self):
        on_progress = self._create_sla(name='Take it', time=4, stage_id=self.stage_progress.id)
        on_solved = self._create_sla(name='Solve it', time=8)
        with self._at(MONDAY):
            ticket = self._create_ticket(self.team)
        with self._at('2024-01-08 11:00:00'):
            ticket.stage_id = self.stage_solved  # skips In Progress: later stages reach it too
        for sla in on_progress | on_solved:
            status = ticket.sla_status_ids.filtered(lambda s: s.sla_id == sla)
            self.assertEqual(status.status, 'reached')
            self.assertEqual(status.reached_datetime, datetime(2024, 1, 8, 11, 0))
            self.assertEqual(status.color, 10)
        self.assertFalse(ticket.sla_deadline)
        self.assertFalse(ticket.sla_fail)

    def test_reopening_before_target(self):
        self._create_sla(time=8)
        with self._at(MONDAY):
            ticket = self._create_ticket(self.team)
        with self._at('2024-01-08 11:00:00'):
            ticket.stage_id = self.stage_solved
        with self._at('2024-01-08 12:00:00'):
            ticket.stage_id = self.stage_progress
        status = ticket.sla_status_ids
        self.assertEqual(status.status, 'ongoing')
        self.assertFalse(status.reached_datetime)
        self.assertEqual(ticket.sla_deadline, datetime(2024, 1, 9, 10, 0))
        with self._at('2024-01-09 12:00:00'):
            ticket.stage_id = self.stage_solved
        self.assertEqual(status.status, 'failed')

    def test_failed_by_cron_stays_failed(self):
        self._create_sla(time=8)
        with self._at(MONDAY):
            ticket = self._create_ticket(self.team)
        status = ticket.sla_status_ids
        with self._at('2024-01-09 09:59:00'):
            self.env['helpdesk.sla.status']._cron_fail_overdue()
        self.assertEqual(status.status, 'ongoing')
        with self._at('2024-01-09 10:01:00'):
            self.env.ref('helpdesk_ce.ir_cron_helpdesk_sla_fail').method_direct_trigger()
        self.assertEqual(status.status, 'failed')
        self.assertEqual(status.color, 1)
        self.assertTrue(ticket.sla_fail)
        self.assertFalse(ticket.sla_deadline, "no deadline is running any more")
        with self._at('2024-01-09 11:00:00'):
            ticket.stage_id = self.stage_solved
        self.assertEqual(status.status, 'failed')
        self.assertEqual(status.reached_datetime, datetime(2024, 1, 9, 11, 0))

    def test_any_write_fails_overdue(self):
        self._create_sla(time=8)
        with self._at(MONDAY):
            ticket = self._create_ticket(self.team)
        with self._at('2024-01-09 11:00:00'):
            ticket.name = 'Printer still on fire'
        self.assertEqual(ticket.sla_status_ids.status, 'failed')

    def test_reached_late_without_cron(self):
        self._create_sla(time=8)
        with self._at(MONDAY):
            ticket = self._create_ticket(self.team)
        with self._at('2024-01-09 11:00:00'):
            ticket.stage_id = self.stage_solved
        self.assertEqual(ticket.sla_status_ids.status, 'failed')

    def test_filters(self):
        self._create_sla(time=8, stage_id=self.stage_progress.id)
        with self._at(MONDAY):
            reached, failed, running, late = [self._create_ticket(self.team, name=n)
                                              for n in ('reached', 'failed', 'running', 'late')]
        with self._at('2024-01-08 11:00:00'):
            reached.stage_id = self.stage_progress
        running.sla_status_ids.deadline = datetime(2024, 1, 10, 10, 0)
        with self._at('2024-01-09 11:00:00'):
            self.env['helpdesk.sla.status']._cron_fail_overdue()
            failed.stage_id = self.stage_progress
            Ticket = self.env['helpdesk.ticket']
            domain = [('id', 'in', (reached | failed | running | late).ids)]
            self.assertEqual(Ticket.search(domain + [('sla_fail', '=', True)]), failed | late)
            self.assertEqual(Ticket.search(domain + [('sla_status_ids.status', '=', 'ongoing')]), running)
            self.assertEqual(Ticket.search(domain + [('sla_overdue', '=', True)]), late)
            self.assertEqual(Ticket.search(domain + [('sla_overdue', '=', False)]), reached | failed | running)
            self.assertTrue(late.sla_overdue)
            self.assertFalse(failed.sla_overdue)

    def test_agent_reads_statuses_of_visible_tickets_only(self):
        self._create_sla(team_id=self.team_private.id)
        ticket = self._create_ticket(self.team_private)
        status = ticket.sla_status_ids
        self.assertTrue(status)
        with self.assertRaises(AccessError):
            status.with_user(self.agent).read(['deadline'])
        self.team_private.member_ids = [(4, self.agent.id)]
        self.assertTrue(status.with_user(self.agent).read(['deadline']))
        with self.assertRaises(AccessError):
            status.with_user(self.agent).write({'status': 'reached'})


@tagged('post_install', '-at_install')
class TestSLAFirstResponse(HelpdeskSLACommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sla = cls._create_sla(name='Answer in 2 hours', target_type='first_response', stage_id=False, time=2)

    def _post(self, ticket, user, when='2024-01-08 11:00:00', **kwargs):
        kwargs.setdefault('message_type', 'comment')
        kwargs.setdefault('subtype_xmlid', 'mail.mt_comment')
        with self._at(when):
            ticket.with_user(user).message_post(body="Hello", **kwargs)

    def test_agent_public_reply_reaches(self):
        with self._at(MONDAY):
            ticket = self._create_ticket(self.team, partner_id=self.portal.partner_id.id)
        self._post(ticket, self.agent, when='2024-01-08 11:30:00')
        self.assertEqual(ticket.first_response_date, datetime(2024, 1, 8, 11, 30))
        self.assertEqual(ticket.first_response_hours, 1.5)
        self.assertEqual(ticket.sla_status_ids.status, 'reached')
        self._post(ticket, self.agent_2, when='2024-01-08 12:30:00')
        self.assertEqual(ticket.first_response_date, datetime(2024, 1, 8, 11, 30), "only the first one counts")

    def test_what_does_not_count(self):
        with self._at(MONDAY):
            ticket = self._create_ticket(self.team, partner_id=self.portal.partner_id.id)
        self._post(ticket, self.agent, subtype_xmlid='mail.mt_note')
        with self._at('2024-01-08 11:00:00'):  # the customer, the way the portal posts
            ticket.with_user(self.portal).sudo().message_post(
                body="Any news?", author_id=self.portal.partner_id.id,
                message_type='comment', subtype_xmlid='mail.mt_comment')
        with self._at('2024-01-08 11:00:00'):  # OdooBot
            ticket.sudo().message_post(body="Hi", author_id=self.env.ref('base.partner_root').id,
                                       message_type='comment', subtype_xmlid='mail.mt_comment')
        self._post(ticket, self.agent, message_type='auto_comment')
        self._post(ticket, self.agent, message_type='notification')
        with self._at('2024-01-08 11:00:00'):
            ticket.with_user(self.agent).with_context(helpdesk_stage_template=True).message_post(
                body="Your ticket is in progress", message_type='comment', subtype_xmlid='mail.mt_comment')
        self.assertFalse(ticket.first_response_date)
        self.assertEqual(ticket.sla_status_ids.status, 'ongoing')

    def test_stage_template_email_does_not_count(self):
        template = self.env['mail.template'].create({
            'name': 'Ticket in progress',
            'model_id': self.env['ir.model']._get_id('helpdesk.ticket'),
            'subject': 'Your ticket',
            'body_html': '<p>We are on it</p>',
        })
        with self._at(MONDAY):
            ticket = self._create_ticket(self.team, partner_id=self.portal.partner_id.id)
        with self._at('2024-01-08 11:00:00'):
            ticket.with_user(self.agent).message_post_with_source(template, subtype_xmlid='mail.mt_comment')
        self.assertFalse(ticket.first_response_date)

    def test_late_reply_fails_and_email_reply_counts(self):
        with self._at(MONDAY):
            ticket = self._create_ticket(self.team, partner_id=self.portal.partner_id.id)
        self._post(ticket, self.agent, when='2024-01-08 13:00:00', message_type='email')
        self.assertEqual(ticket.first_response_date, datetime(2024, 1, 8, 13, 0))
        self.assertEqual(ticket.sla_status_ids.status, 'failed')

    def test_closed_ticket_stops_the_clock(self):
        with self._at(MONDAY):
            ticket = self._create_ticket(self.team)
        with self._at('2024-01-08 11:00:00'):
            ticket.stage_id = self.stage_cancelled
        with self._at('2024-01-09 11:00:00'):
            self.env['helpdesk.sla.status']._cron_fail_overdue()
        self.assertEqual(ticket.sla_status_ids.status, 'ongoing')
        self.assertFalse(ticket.sla_status_ids.deadline)


@tagged('post_install', '-at_install')
class TestSLATour(HttpCase):

    def test_manager_creates_a_policy(self):
        self.env['helpdesk.team'].create({'name': 'SLA Tour Team'})
        self.start_tour('/web', 'helpdesk_ce_sla_policy_tour', login='admin')
        sla = self.env['helpdesk.sla'].search([('name', '=', 'Solved within half a day')])
        self.assertEqual(sla.team_id.name, 'SLA Tour Team')
        self.assertEqual(sla.stage_id, self.env.ref('helpdesk_ce.stage_solved'))
        self.assertEqual(sla.time, 4)
        self.assertEqual(sla.target_type, 'stage')
