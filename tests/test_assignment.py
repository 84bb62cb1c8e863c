from datetime import timedelta
from unittest.mock import patch

import psycopg2
from freezegun import freeze_time

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from .. import upgrades
from .common import TICKET_MAIL, HelpdeskCommon, captured_statements

NOW = fields.Datetime.from_string('2024-03-04 10:00:00')  # a Monday


@tagged('post_install', '-at_install')
class TestAssignment(HelpdeskCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.a1, cls.a2, cls.a3 = (
            new_test_user(cls.env, login, groups='helpdesk_ce.group_helpdesk_user', name=name,
                          email='%s@example.com' % login)
            for login, name in (('hd_a1', 'Ann'), ('hd_a2', 'Bob'), ('hd_a3', 'Cid')))
        cls.agents = cls.a1 | cls.a2 | cls.a3
        cls.team = cls._make_team('Assign Team')
        cls.customer = cls.env['res.partner'].create({'name': 'Carla Customer', 'email': 'carla@example.com'})

    @classmethod
    def _make_team(cls, name, members=None, **values):
        return cls.env['helpdesk.team'].with_context(mail_create_nosubscribe=True).create(dict({
            'name': name, 'privacy_visibility': 'internal', 'auto_assignment': True,
            'member_ids': [Command.set((cls.agents if members is None else members).ids)],
        }, **values))

    def _give(self, team, user, count=1, days_ago=1, **values):
        """History: `count` tickets assigned to `user` `days_ago` days ago."""
        tickets = self.env['helpdesk.ticket'].create([
            dict({'name': 'Old', 'team_id': team.id, 'user_id': user.id}, **values) for _i in range(count)])
        when = NOW - timedelta(days=days_ago)
        tickets.write({'assign_date': when, 'last_assign_date': when})
        return tickets

    def _create_one_by_one(self, team, count, **values):
        return self.env['helpdesk.ticket'].concat(*(self._create_ticket(team, **values) for _i in range(count)))

    def _leave(self, date_from, date_to, **values):
        return self.env['resource.calendar.leaves'].create(dict(
            {'name': 'Away', 'date_from': date_from, 'date_to': date_to}, **values))

    def _resource(self, user, calendar=None):
        return self.env['resource.resource'].create({
            'name': user.name, 'user_id': user.id,
            'calendar_id': (calendar or self.company.resource_calendar_id).id})

    # ------------------------------------------------------------
    # Methods and tie order
    # ------------------------------------------------------------

    def test_randomly_round_robin_and_assign_date(self):
        tickets = self._create_one_by_one(self.team, 6)
        self.assertEqual(tickets.user_id, self.agents)
        self.assertEqual([t.user_id for t in tickets], [self.a1, self.a2, self.a3] * 2)
        self.assertTrue(all(tickets.mapped('assign_date')))

    @freeze_time(NOW)
    def test_randomly_counts_closed_tickets_not_archived_ones(self):
        self._give(self.team, self.a1, 2, stage_id=self.stage_solved.id, days_ago=3)
        self._give(self.team, self.a2, 1, days_ago=2)
        self._give(self.team, self.a3, 1, days_ago=1)
        self._give(self.team, self.a3, 3).active = False  # merged or converted: not counted
        # counts 2, 1, 1: Bob's last assignment is older than Cid's; then all have 2: Ann's is the oldest
        tickets = self._create_one_by_one(self.team, 3)
        self.assertEqual([t.user_id for t in tickets], [self.a2, self.a3, self.a1])

    @freeze_time(NOW)
    def test_balanced_counts_open_tickets(self):
        self.team.assign_method = 'balanced'
        self._give(self.team, self.a1, 2, stage_id=self.stage_solved.id, days_ago=3)
        self._give(self.team, self.a2, 1, days_ago=2)
        self._give(self.team, self.a3, 1, days_ago=1)
        self._give(self.team, self.a3, 3).active = False
        # open counts 0, 1, 1
        tickets = self._create_one_by_one(self.team, 3)
        self.assertEqual([t.user_id for t in tickets], [self.a1, self.a2, self.a3])

    @freeze_time(NOW)
    def test_ties_never_assigned_then_oldest_then_user_id(self):
        self.team.assign_method = 'balanced'  # closed tickets give a last assignment but no load
        self._give(self.team, self.a1, stage_id=self.stage_solved.id, days_ago=3)
        self._give(self.team, self.a2, stage_id=self.stage_solved.id, days_ago=1)
        tickets = self._create_one_by_one(self.team, 4)
        # Cid was never assigned, Ann's last assignment is older than Bob's; then all were assigned
        # at the same instant: the lowest user id wins
        self.assertEqual([t.user_id for t in tickets], [self.a3, self.a1, self.a2, self.a1])

    def test_reassignment_keeps_first_date_and_moves_last(self):
        """assign_date is the first assignment; fairness reads the last one."""
        self.team.member_ids = self.a1 | self.a2
        self._give(self.team, self.a1, days_ago=3)
        with freeze_time(NOW - timedelta(days=5)):
            moved = self._create_ticket(self.team, user_id=self.a3.id)
            self.env.flush_all()
        with freeze_time(NOW - timedelta(days=1)):
            moved.user_id = self.a2
            self.env.flush_all()
            self.assertEqual(moved.assign_date, NOW - timedelta(days=5), "a reassignment keeps the first date")
            self.assertEqual(moved.last_assign_date, NOW - timedelta(days=1))
            moved.user_id = False
            self.env.flush_all()
            self.assertEqual(moved.assign_date, NOW - timedelta(days=5), "unassigning keeps it too")
            moved.user_id = self.a2
            self.env.flush_all()
        # one ticket each: Ann's last assignment (3 days ago) is older than Bob's (yesterday, although
        # his ticket was first assigned 5 days ago)
        with freeze_time(NOW):
            self.assertEqual(self._create_ticket(self.team).user_id, self.a1)

    def test_assign_hours_measure_the_first_assignment(self):
        ticket = self._create_ticket(self.team_company)
        self.env.flush_all()
        self.env.cr.execute("UPDATE helpdesk_ticket SET create_date = %s WHERE id = %s", [NOW, ticket.id])
        ticket.invalidate_recordset(['create_date'])
        created = NOW
        with freeze_time(created + timedelta(hours=2)):
            ticket.user_id = self.a1
            self.env.flush_all()
        hours = ticket.assign_hours
        self.assertGreater(hours, 0)
        with freeze_time(created + timedelta(days=2)):
            ticket.user_id = self.a2
            self.env.flush_all()
        self.assertEqual(ticket.assign_hours, hours, "assign_hours measure the first assignment")
        self.assertEqual(ticket.last_assign_date, created + timedelta(days=2))

    def test_upgrade_recovers_the_first_assignment(self):
        """Before the split, assign_date held the last assignment: the upgrade finds the first in the tracking."""
        assigned_later = self._create_ticket(self.team_company)
        assigned_at_creation = self._create_ticket(self.team_company, user_id=self.a1.id)
        tickets = assigned_later | assigned_at_creation
        self.env.flush_all()
        self.env.cr.execute("UPDATE helpdesk_ticket SET create_date = %s WHERE id IN %s",
                            [NOW - timedelta(days=3), tuple(tickets.ids)])
        self.env.cr.precommit.run()  # the creation is over: later changes are tracked in the chatter
        for days_ago, user in ((2, self.a1), (1, self.a2)):
            with freeze_time(NOW - timedelta(days=days_ago)):
                tickets.user_id = user
                self.env.flush_all()
                self.env.cr.precommit.run()  # the tracking messages
        # what the old code left: the last assignment
        self.env.cr.execute("UPDATE helpdesk_ticket SET assign_date = %s WHERE id IN %s",
                            [NOW - timedelta(days=1), tuple(tickets.ids)])
        tickets.invalidate_recordset()
        upgrades.post_split_assign_dates(self.env)
        tickets.invalidate_recordset()
        self.assertEqual(assigned_later.assign_date, NOW - timedelta(days=2))
        self.assertEqual(assigned_at_creation.assign_date, NOW - timedelta(days=3))

    def test_counts_are_per_team(self):
        other = self._make_team('Other Team')
        self._give(other, self.a1, 5)
        self.assertEqual(self._create_ticket(self.team).user_id, self.a1)

    def test_batch_spreads_like_single_creates(self):
        for method in ('randomly', 'balanced'):
            with freeze_time(NOW):
                teams = [self._make_team('%s %s' % (method, i), assign_method=method) for i in range(2)]
                for team in teams:  # the same history in both teams
                    self._give(team, self.a1, 2, stage_id=self.stage_solved.id, days_ago=4)
                    self._give(team, self.a2, 1, days_ago=2)
                vals = [{}, {'stage_id': self.stage_solved.id}, {'partner_id': self.a2.partner_id.id}, {}, {},
                        {'stage_id': self.stage_solved.id}, {}, {'partner_id': self.a1.partner_id.id}, {}]
                single = self.env['helpdesk.ticket'].concat(*(
                    self._create_ticket(teams[0], **v) for v in vals))
                batch = self.env['helpdesk.ticket'].create([
                    dict({'name': 'Batch', 'team_id': teams[1].id}, **v) for v in vals])
                self.assertEqual(batch.mapped('user_id'), single.mapped('user_id'))
                self.assertEqual([t.user_id for t in batch], [t.user_id for t in single], method)
                self.assertEqual(len(set(batch.user_id)), 3)

    def test_batch_over_several_teams(self):
        other = self._make_team('Pair', members=self.a1 | self.a2)
        tickets = self.env['helpdesk.ticket'].create([
            {'name': str(i), 'team_id': team.id} for i in range(3) for team in (self.team, other)])
        self.assertEqual([t.user_id for t in tickets.filtered(lambda t: t.team_id == self.team)],
                         [self.a1, self.a2, self.a3])
        self.assertEqual([t.user_id for t in tickets.filtered(lambda t: t.team_id == other)],
                         [self.a1, self.a2, self.a1])

    # ------------------------------------------------------------
    # When and to whom
    # ------------------------------------------------------------

    def test_manual_assignment_wins(self):
        ticket = self._create_ticket(self.team, user_id=self.agent.id)
        self.assertEqual(ticket.user_id, self.agent)
        ticket = self.env['helpdesk.ticket'].with_context(default_user_id=self.agent_2.id).create(
            {'name': 'Default', 'team_id': self.team.id})
        self.assertEqual(ticket.user_id, self.agent_2)

    # ------------------------------------------------------------
    # The assignee's notification
    # ------------------------------------------------------------

    def _assigned_notices(self, tickets, partner):
        return self.env['mail.message'].search([
            ('model', '=', 'helpdesk.ticket'), ('res_id', 'in', tickets.ids),
            ('message_type', '=', 'user_notification'), ('partner_ids', 'in', partner.ids)])

    def test_assignee_is_notified_by_the_job_not_the_request(self):
        self.env['res.lang']._activate_lang('fr_FR')
        self.env['ir.module.module']._load_module_terms(['mail'], ['fr_FR'])
        self.a2.partner_id.lang = 'fr_FR'
        tickets = self._create_one_by_one(self.team, 3, partner_id=self.customer.id)
        self.assertEqual(tickets.user_id, self.agents)
        self.assertTrue(all(tickets.mapped('assignee_to_notify')))
        self.assertFalse(self._assigned_notices(tickets, self.agents.partner_id), "nothing inside the request")
        # assignee and customer follow, the other agents do not
        for ticket in tickets:
            self.assertEqual(ticket.message_partner_ids, ticket.user_id.partner_id | self.customer)
        self.env['helpdesk.ticket']._cron_notify_assignees()
        for ticket in tickets:
            notice = self._assigned_notices(ticket, ticket.user_id.partner_id)
            self.assertEqual(len(notice), 1)
            self.assertEqual(notice.partner_ids, ticket.user_id.partner_id, "the customer is not told")
            self.assertIn(ticket.name, notice.body)
        self.assertIn('Vous avez été assigné', self._assigned_notices(tickets, self.a2.partner_id).subject)
        self.assertFalse(any(tickets.mapped('assignee_to_notify')))
        self.assertTrue(self.env['mail.mail'].search([('mail_message_id', 'in', self._assigned_notices(
            tickets, self.agents.partner_id).ids), ('state', '=', 'outgoing')]), "queued, not sent by the job")
        self.env['helpdesk.ticket']._cron_notify_assignees()
        self.assertEqual(len(self._assigned_notices(tickets, self.agents.partner_id)), 3, "never twice")

    def test_reassignment_before_the_job_notifies_only_the_new_assignee(self):
        ticket = self._create_ticket(self.team)
        first = ticket.user_id
        other = (self.agents - first)[0]
        ticket.user_id = other
        self.assertFalse(ticket.assignee_to_notify)
        self.assertEqual(len(self._assigned_notices(ticket, other.partner_id)), 1, "a reassignment notifies at once")
        self.env['helpdesk.ticket']._cron_notify_assignees()
        self.assertFalse(self._assigned_notices(ticket, first.partner_id))
        self.assertEqual(len(self._assigned_notices(ticket, other.partner_id)), 1)

    def test_no_notice_for_oneself_nor_without_tracking(self):
        mine = self.env['helpdesk.ticket'].with_user(self.a1).create(
            {'name': 'Mine', 'team_id': self.team.id, 'user_id': self.a1.id})
        quiet = self.env['helpdesk.ticket'].with_context(tracking_disable=True).create(
            {'name': 'Imported', 'team_id': self.team.id, 'user_id': self.a2.id})
        self.assertFalse((mine | quiet).filtered('assignee_to_notify'))

    def test_the_job_skips_tickets_another_server_holds(self):
        ticket = self._create_ticket(self.team)
        with patch.object(type(self.env['helpdesk.ticket']), '_lock_skip_locked',
                          lambda self, records: records.browse()):
            self.env['helpdesk.ticket']._cron_notify_assignees()
        self.assertTrue(ticket.assignee_to_notify)
        self.assertFalse(self._assigned_notices(ticket, ticket.user_id.partner_id))

    def test_only_auto_assigning_teams(self):
        self.team.auto_assignment = False
        self.assertFalse(self._create_ticket(self.team).user_id)

    def test_moving_into_team_assigns_unassigned_tickets(self):
        unassigned = self._create_ticket(self.team_company)
        assigned = self._create_ticket(self.team_company, user_id=self.agent.id)
        self.assertFalse(unassigned.user_id)
        (unassigned | assigned).write({'team_id': self.team.id})
        self.assertEqual(unassigned.user_id, self.a1)
        self.assertEqual(assigned.user_id, self.agent)
        # other writes leave an unassigned ticket alone
        unassigned.user_id = False
        unassigned.priority = '2'
        self.assertFalse(unassigned.user_id)

    def test_never_the_customer_portal_or_archived_users(self):
        self.team.member_ids |= self.portal
        archived = new_test_user(self.env, 'hd_gone', groups='helpdesk_ce.group_helpdesk_user', name='Gone')
        self.team.member_ids |= archived
        archived.active = False
        tickets = self.env['helpdesk.ticket'].create([
            {'name': str(i), 'team_id': self.team.id, 'partner_id': self.a1.partner_id.id} for i in range(4)])
        self.assertEqual([t.user_id for t in tickets], [self.a2, self.a3, self.a2, self.a3])
        lonely = self._make_team('Lonely', members=self.a1)
        self.assertFalse(self._create_ticket(lonely, partner_id=self.a1.partner_id.id).user_id)
        self.assertFalse(self._create_ticket(lonely, partner_email='"Ann" <HD_A1@example.com>').user_id,
                         "a customer known by email only is recognised too")

    def test_no_members_means_every_agent_of_the_company(self):
        team = self._make_team('Everybody', members=self.env['res.users'])
        archived = new_test_user(self.env, 'hd_gone', groups='helpdesk_ce.group_helpdesk_user', name='Gone')
        archived.active = False
        group_users = self.env.ref('helpdesk_ce.group_helpdesk_user').users
        expected = group_users.filtered(lambda u: u.active and not u.share and self.company in u.company_ids)
        expected -= self.agent.partner_id.user_ids  # the customer of every ticket below
        self.assertIn(self.manager, expected)
        self.assertGreaterEqual(len(expected), 5)
        tickets = self.env['helpdesk.ticket'].create([
            {'name': str(i), 'team_id': team.id, 'partner_id': self.agent.partner_id.id}
            for i in range(2 * len(expected))])
        self.assertEqual(tickets.user_id, expected)
        for user in tickets.user_id:
            self.assertEqual(len(tickets.filtered(lambda t: t.user_id == user)), 2)
        for outsider in (self.agent, self.portal, self.internal, self.agent_other_company, archived):
            self.assertNotIn(outsider, tickets.user_id)

    def test_members_all_unavailable_is_not_a_team_without_members(self):
        """The company's agents stand in for a team without members only, not for members all archived or
        portal users: such a team assigns nobody."""
        gone = new_test_user(self.env, 'hd_gone', groups='helpdesk_ce.group_helpdesk_user', name='Gone')
        team = self._make_team('Deserted', members=gone | self.portal)
        gone.active = False
        self.assertFalse(self._create_ticket(team).user_id)

    def test_category_agent_of_a_team_without_members(self):
        """An agent a category names is also one of the company's agents standing in for the members: one
        candidate, counted once, who takes the category's tickets and others."""
        team = self._make_team('Everybody', members=self.env['res.users'])
        category = self.env['helpdesk.ticket.category'].create({
            'name': 'Refunds', 'team_id': team.id, 'user_ids': [Command.set(self.a1.ids)]})
        self._give(team, self.a1, 2)
        agents = team._get_assignment_agents({(team.id, self.a1.id)}, fields.Datetime.now())
        self.assertTrue(agents[team.id, self.a1.id]['member'])
        self.assertEqual(agents[team.id, self.a1.id]['count'], 2)
        self.assertEqual(self._create_ticket(team, category_id=category.id).user_id, self.a1)
        self.assertNotEqual(self._create_ticket(team).user_id, self.a1, "the others have fewer tickets")

    # ------------------------------------------------------------
    # Time off
    # ------------------------------------------------------------

    @freeze_time(NOW)
    def test_personal_time_off_now_is_skipped(self):
        self._leave(NOW - timedelta(days=1), NOW + timedelta(days=2), resource_id=self._resource(self.a1).id)
        self._leave(NOW + timedelta(hours=1), NOW + timedelta(days=2), resource_id=self._resource(self.a2).id)
        self._leave(NOW - timedelta(days=5), NOW - timedelta(hours=1), resource_id=self._resource(self.a3).id)
        tickets = self._create_one_by_one(self.team, 4)
        self.assertEqual([t.user_id for t in tickets], [self.a2, self.a3, self.a2, self.a3])

    @freeze_time(NOW)
    def test_company_wide_time_off_of_the_user_calendar(self):
        night_shift = self.env['resource.calendar'].create({'name': 'Night shift', 'company_id': self.company.id})
        self._resource(self.a1, night_shift)
        res2 = self._resource(self.a2)  # company calendar; Cid has no resource: the company calendar too
        holiday = self._leave(NOW - timedelta(hours=2), NOW + timedelta(hours=8),
                              calendar_id=self.company.resource_calendar_id.id)
        training = self._leave(NOW - timedelta(hours=2), NOW + timedelta(hours=8), calendar_id=night_shift.id,
                               time_type='other')  # not time off
        tickets = self._create_one_by_one(self.team, 2)
        self.assertEqual(tickets.user_id, self.a1)
        # a leave of every calendar of the company (no calendar set) holds everybody; Bob stays away longer
        (holiday | training).unlink()  # hr_holidays forbids overlapping public holidays
        self._leave(NOW - timedelta(hours=1), NOW + timedelta(hours=4))  # company: the current one
        self._leave(NOW - timedelta(hours=1), NOW + timedelta(hours=6), resource_id=res2.id)
        self.assertEqual(self._create_ticket(self.team).user_id, self.a3, "Ann and Cid are back first, Cid has less")

    @freeze_time(NOW)
    def test_look_ahead_when_everybody_is_away(self):
        res1, res2, res3 = (self._resource(user) for user in self.agents)
        self._leave(NOW - timedelta(days=1), NOW + timedelta(days=3), resource_id=res1.id)
        # Bob's leave is followed by another one right away: he is back in 5 days, not 1
        self._leave(NOW - timedelta(days=1), NOW + timedelta(days=1), resource_id=res2.id)
        self._leave(NOW + timedelta(days=1), NOW + timedelta(days=5), resource_id=res2.id)
        self._leave(NOW - timedelta(days=1), NOW + timedelta(days=2), resource_id=res3.id)
        tickets = self._create_one_by_one(self.team, 2)
        self.assertEqual(tickets.user_id, self.a3)
        batch = self.env['helpdesk.ticket'].create([{'name': str(i), 'team_id': self.team.id} for i in range(2)])
        self.assertEqual(batch.user_id, self.a3)

    def test_time_off_from_the_time_off_app(self):
        """A validated Time Off request lands in resource.calendar.leaves: assignment reads it there, so
        hr_holidays is no dependency. With hr_holidays installed, go through a real request."""
        if 'hr.leave' not in self.env:
            # what hr_holidays writes when a request is validated
            resource = self._resource(self.a1)
            self._leave(fields.Datetime.now() - timedelta(days=1), fields.Datetime.now() + timedelta(days=1),
                        resource_id=resource.id, calendar_id=resource.calendar_id.id, time_type='leave')
        else:
            employee = self.env['hr.employee'].create({'name': 'Ann', 'user_id': self.a1.id})
            leave_type = self.env['hr.leave.type'].create({
                'name': 'Paid', 'requires_allocation': 'no', 'leave_validation_type': 'no_validation'})
            today = fields.Date.today()
            leave = self.env['hr.leave'].create({
                'name': 'Holiday', 'employee_id': employee.id, 'holiday_status_id': leave_type.id,
                'request_date_from': today - timedelta(days=2), 'request_date_to': today + timedelta(days=2)})
            if leave.state != 'validate':
                leave.action_validate()
            self.assertTrue(self.env['resource.calendar.leaves'].search([('holiday_id', '=', leave.id)]))
        tickets = self._create_one_by_one(self.team, 2)
        self.assertEqual([t.user_id for t in tickets], [self.a2, self.a3])

    # ------------------------------------------------------------
    # Cost and concurrency
    # ------------------------------------------------------------

    def test_query_count_does_not_grow_with_tickets_or_members(self):
        Users = self.env['res.users']
        crowd = self.agents | Users.concat(*(
            new_test_user(self.env, 'hd_crowd%s' % i, groups='helpdesk_ce.group_helpdesk_user') for i in range(5)))
        small = self._make_team('Small', members=self.a1 | self.a2, auto_assignment=False)
        big = self._make_team('Big', members=crowd, auto_assignment=False)
        for team, users in ((small, self.a1 | self.a2), (big, crowd)):
            for user in users:
                self._give(team, user, 2)
                self._resource(user)
        leave = self._leave(fields.Datetime.now() - timedelta(days=1), fields.Datetime.now() + timedelta(days=1),
                            resource_id=crowd[-1].resource_ids.id)
        samples = (
            (small, self._create_one_by_one(small, 1)),
            (big, self.env['helpdesk.ticket'].create([{'name': str(i), 'team_id': big.id} for i in range(20)])),
        )
        (small | big).auto_assignment = True
        self.env.flush_all()

        def measure(picks, creations):
            counts = []
            for team, tickets in samples:
                self.env.invalidate_all()
                team._pick_assignees(tickets)  # warm up the registry caches (the field access checks)
                self.env.invalidate_all()
                self.env.user.fetch(['login'])  # read by assertQueryCount
                with self.assertQueryCount(picks):
                    start = self.cr.sql_log_count
                    assignees = team._pick_assignees(tickets)
                    counts.append(self.cr.sql_log_count - start)
                self.assertEqual(len(assignees), len(tickets))
            # a whole creation with assignment costs the same, whatever the size of the team
            for team in (small, big):
                self._create_ticket(team)  # warm up
                self.env.invalidate_all()
                self.env.user.fetch(['login'])
                with self.assertQueryCount(creations):
                    start = self.cr.sql_log_count
                    self._create_ticket(team)
                    self.env.flush_all()
                    counts.append(self.cr.sql_log_count - start)
            self.assertLessEqual(counts[1], counts[0])
            self.assertLessEqual(counts[3], counts[2])
            return counts

        # someone on leave now: the tickets (team, stage), the query of candidates and counts, their time off
        away = measure(picks=4, creations=12)
        # nobody on leave now (the usual case): the query of candidates says so, time off is not read
        leave.unlink()
        present = measure(picks=3, creations=11)
        self.assertEqual([count + 1 for count in present], away)

    def test_assignment_locks_the_team(self):
        with captured_statements(self.env.cr) as statements:
            self._create_ticket(self.team_company)
            self.assertFalse([q for q in statements if 'FOR NO KEY UPDATE' in q])
            self._create_ticket(self.team)
        locks = [q for q in statements if 'FOR NO KEY UPDATE' in q]
        self.assertEqual(len(locks), 1)
        self.assertIn('helpdesk_team', locks[0])

    def test_bulk_assign_to_me(self):
        tickets = self.env['helpdesk.ticket'].create(
            [{'name': str(i), 'team_id': self.team_company.id} for i in range(3)])
        action = self.env.ref('helpdesk_ce.helpdesk_ticket_action_server_assign_to_me')
        self.assertEqual(action.binding_model_id.model, 'helpdesk.ticket')
        action.with_user(self.agent).with_context(
            active_model='helpdesk.ticket', active_ids=tickets.ids, active_id=tickets[0].id).run()
        self.assertEqual(tickets.user_id, self.agent)


@tagged('post_install', '-at_install')
class TestAssignmentConcurrency(TransactionCase):
    """Two workers creating tickets in the same auto-assigning team, on real cursors and committed data:
    neither creation fails, and the agents stay balanced."""

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            agents = env['res.users'].concat(*(
                new_test_user(env, login, groups='helpdesk_ce.group_helpdesk_user', email='%s@example.com' % login)
                for login in ('hd_lock_a', 'hd_lock_b')))
            team = env['helpdesk.team'].create({
                'name': 'Lock Team', 'auto_assignment': True, 'member_ids': [Command.set(agents.ids)]})
            self.team_id, self.agent_ids = team.id, agents.ids
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            tickets = env['helpdesk.ticket'].with_context(active_test=False).search([('team_id', '=', self.team_id)])
            customers = tickets.partner_id
            tickets.unlink()
            env['helpdesk.team'].browse(self.team_id).unlink()
            users = env['res.users'].browse(self.agent_ids)
            partners = users.partner_id
            users.unlink()
            (partners | customers).unlink()

    def _assignees(self):
        with self.registry.cursor() as cr:
            tickets = self._env(cr)['helpdesk.ticket'].search([('team_id', '=', self.team_id)], order='id')
            return {ticket.name: ticket.user_id.id for ticket in tickets}

    def _race(self, create_a, create_b):
        """Worker B's snapshot starts, worker A creates and commits, then B creates and commits."""
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            env_a, env_b = self._env(cr_a), self._env(cr_b)
            env_b['helpdesk.team'].browse(self.team_id).read(['name'])  # worker B's snapshot starts now
            create_a(env_a)
            # worker A holds the team until its transaction ends
            with mute_logger('odoo.sql_db'), self.assertRaises(psycopg2.errors.LockNotAvailable), cr_b.savepoint():
                cr_b.execute("SELECT id FROM helpdesk_team WHERE id = %s FOR NO KEY UPDATE NOWAIT", [self.team_id])
            cr_a.commit()
            # B's snapshot misses A's ticket: B's creation succeeds all the same ...
            ticket_b = create_b(env_b)
            env_b.flush_all()
            self.assertTrue(ticket_b)
            # ... and, not counting A's ticket from a stale snapshot, leaves the assignment for after its commit
            self.assertFalse(ticket_b.user_id)
            cr_b.commit()

    def test_concurrent_creations_neither_fail_nor_overload_an_agent(self):
        self._race(
            lambda env: env['helpdesk.ticket'].create({'name': 'A', 'team_id': self.team_id}),
            lambda env: env['helpdesk.ticket'].create({'name': 'B', 'team_id': self.team_id}))
        self.assertEqual(self._assignees(), {'A': self.agent_ids[0], 'B': self.agent_ids[1]})

    def test_concurrent_mails_both_make_a_ticket(self):
        """Two mails from new senders processed at once by two workers (the mail fetcher never retries):
        both tickets are created and assigned to different agents."""

        def process(sender, subject):
            def run(env):
                mail = TICKET_MAIL.format(
                    return_path=sender, to='helpdesk@example.com', cc='', email_from=sender, subject=subject,
                    msg_id='<%s-race@example.com>' % subject, extra='')
                # as a mail fetcher bound to the team does
                ticket_id = env['mail.thread'].message_process(
                    'helpdesk.ticket', mail, custom_values={'team_id': self.team_id})
                return env['helpdesk.ticket'].browse(ticket_id)
            return run

        self._race(process('Ada <ada.race@example.com>', 'Mail A'), process('Bo <bo.race@example.com>', 'Mail B'))
        self.assertEqual(self._assignees(), {'Mail A': self.agent_ids[0], 'Mail B': self.agent_ids[1]})


@tagged('post_install', '-at_install')
class TestAssignmentTour(HttpCase):

    def test_bulk_assign_and_kanban_state(self):
        agent = new_test_user(self.env, 'tour_agent', groups='helpdesk_ce.group_helpdesk_user', name='Tour Agent')
        team = self.env['helpdesk.team'].create({'name': 'Tour Team', 'privacy_visibility': 'internal'})
        self.env.ref('helpdesk_ce.stage_new').legend_blocked = 'Waiting for parts'
        tickets = self.env['helpdesk.ticket'].create([
            {'name': name, 'team_id': team.id} for name in ('Paper jam', 'Toner empty')])
        self.start_tour('/web#action=helpdesk_ce.helpdesk_ticket_action_all&view_type=list',
                        'helpdesk_ce_ticket_assign_tour', login='tour_agent')
        self.assertEqual(tickets.user_id, agent)
        self.assertEqual(tickets.mapped('kanban_state'), ['blocked', 'normal'])
