import psycopg2

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import MailCase

from .common import HelpdeskSLACommon


@tagged('post_install', '-at_install')
class TestReminders(HelpdeskSLACommon, MailCase):
    """Team calendar: Monday to Friday, 9:00-17:00 UTC. 2024-01-08 is a Monday."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team.write({'use_reminders': True, 'reminder_hours': 4})
        cls.customer = cls.env['res.partner'].create({'name': 'Rosa Customer', 'email': 'rosa@example.com'})
        cls.reminder_type = cls.env.ref('helpdesk_ce.mail_activity_type_ticket_reminder')
        cls.stage_new.template_id = False

    def _ticket(self, when, **values):
        with self._at(when):
            return self._create_ticket(self.team, **dict({
                'user_id': self.agent.id, 'partner_id': self.customer.id}, **values))

    def _remind(self, when):
        with self._at(when):
            self.env['helpdesk.team']._cron_send_reminders()

    def _reminders(self, ticket):
        return self.env['mail.activity'].search([
            ('res_model', '=', 'helpdesk.ticket'), ('res_id', '=', ticket.id),
            ('activity_type_id', '=', self.reminder_type.id)])

    def test_assignee_reminded_once_after_working_hours(self):
        ticket = self._ticket('2024-01-08 09:00:00')
        self._remind('2024-01-08 12:00:00')
        self.assertFalse(self._reminders(ticket), "3 working hours: not yet")
        self._remind('2024-01-08 13:30:00')
        reminder = self._reminders(ticket)
        self.assertEqual(len(reminder), 1)
        self.assertEqual(reminder.user_id, self.agent)
        self.assertEqual(ticket.reminder_date, fields.Datetime.to_datetime('2024-01-08 13:30:00'))
        self._remind('2024-01-08 14:30:00')
        self._remind('2024-01-09 10:00:00')
        self.assertEqual(self._reminders(ticket), reminder, "one activity, not one per cron run")

    def test_working_hours_skip_nights_and_weekends(self):
        ticket = self._ticket('2024-01-12 15:00:00')  # Friday
        self._remind('2024-01-15 08:00:00')
        self._remind('2024-01-15 10:00:00')
        self.assertFalse(self._reminders(ticket), "2 hours on Friday and 1 on Monday")
        self._remind('2024-01-15 11:30:00')
        self.assertEqual(len(self._reminders(ticket)), 1)

    def test_agent_reply_or_stage_change_restarts_the_count(self):
        ticket = self._ticket('2024-01-08 09:00:00')
        with self._at('2024-01-08 12:00:00'):
            ticket.with_user(self.agent).message_post(
                body='Have you tried turning it off and on?', message_type='comment', subtype_xmlid='mail.mt_comment')
        with self._at('2024-01-08 12:30:00'):
            ticket.with_user(self.agent).message_post(body='Internal: checking', subtype_xmlid='mail.mt_note')
        self._remind('2024-01-08 15:00:00')
        self.assertFalse(self._reminders(ticket), "3 working hours since the public reply; a note does not count")
        self._remind('2024-01-08 16:30:00')
        self.assertEqual(len(self._reminders(ticket)), 1)
        self._reminders(ticket).action_feedback(feedback='Called the customer')
        with self._at('2024-01-09 10:00:00'):
            ticket.with_user(self.agent).stage_id = self.stage_progress
        self.assertFalse(ticket.reminder_date, "a stage change ends the pending period")
        self._remind('2024-01-09 13:00:00')
        self.assertFalse(self._reminders(ticket))
        self._remind('2024-01-09 14:30:00')
        self.assertEqual(len(self._reminders(ticket)), 1, "a new pending period, a new reminder")

    def test_open_reminder_is_never_doubled(self):
        ticket = self._ticket('2024-01-08 09:00:00')
        self._remind('2024-01-08 14:00:00')
        with self._at('2024-01-08 15:00:00'):
            ticket.with_user(self.agent).message_post(body='On it', message_type='comment',
                                                      subtype_xmlid='mail.mt_comment')
        self._remind('2024-01-09 15:00:00')
        self.assertEqual(len(self._reminders(ticket)), 1, "the first reminder is still to do")

    def test_who_is_not_reminded(self):
        unassigned = self._ticket('2024-01-08 09:00:00', user_id=False)
        closed = self._ticket('2024-01-08 09:00:00', stage_id=self.stage_solved.id)
        self.team_public.write({'use_reminders': True, 'reminder_hours': 1})
        self.team_company.write({'customer_reminder': True, 'customer_reminder_stage_id': self.stage_waiting.id})
        waiting = self._ticket('2024-01-08 09:00:00', stage_id=self.stage_waiting.id)
        with self._at('2024-01-08 09:00:00'):
            elsewhere = self._create_ticket(self.team_company.copy({'use_reminders': False}), user_id=self.agent.id)
        self._remind('2024-01-10 12:00:00')
        for ticket in (unassigned, closed, waiting, elsewhere):
            self.assertFalse(self._reminders(ticket), ticket.name)

    def test_customer_reminded_once_before_auto_close(self):
        self.team.write({
            'customer_reminder': True, 'customer_reminder_stage_id': self.stage_waiting.id,
            'customer_reminder_days': 2, 'auto_close_ticket': True, 'auto_close_day': 5,
            'from_stage_ids': [Command.set(self.stage_waiting.ids)],
        })
        ticket = self._ticket('2024-01-08 09:00:00', stage_id=self.stage_waiting.id)

        def sent():
            return ticket.message_ids.filtered(lambda m: 'waiting for your reply' in (m.subject or ''))

        self._remind('2024-01-09 10:00:00')
        self.assertFalse(sent())
        with self.mock_mail_gateway():
            self._remind('2024-01-10 10:00:00')
        self.assertEqual(len(sent()), 1)
        self.assertEqual(sent().subtype_id, self.env.ref('mail.mt_comment'))
        self.assertIn(self.customer, sent().notified_partner_ids)
        self.assertFalse(self._reminders(ticket), "waiting for the customer: the assignee is not reminded")
        self._remind('2024-01-11 10:00:00')
        self._remind('2024-01-13 10:00:00')
        self.assertEqual(len(sent()), 1, "one reminder email")
        # the reminder restarts the inactive period of automatic closing
        with self._at('2024-01-14 10:00:00'):
            self.env['helpdesk.team']._cron_auto_close_tickets()
        self.assertEqual(ticket.stage_id, self.stage_waiting)
        with self._at('2024-01-15 11:00:00'):
            self.env['helpdesk.team']._cron_auto_close_tickets()
        self.assertEqual(ticket.stage_id, self.stage_solved)
        # back to waiting later: a new waiting period, a new reminder
        with self._at('2024-01-16 09:00:00'):
            ticket.stage_id = self.stage_waiting
        self._remind('2024-01-18 10:00:00')
        self.assertEqual(len(sent()), 2)

    def test_settings_are_checked(self):
        with self.assertRaises(ValidationError):
            self.team.reminder_hours = 0
        with self.assertRaises(ValidationError):
            self.team.write({'customer_reminder': True})  # no stage
        with self.assertRaises(ValidationError):
            self.team.write({
                'customer_reminder': True, 'customer_reminder_stage_id': self.stage_waiting.id,
                'customer_reminder_days': 7, 'auto_close_ticket': True, 'auto_close_day': 7})

    def test_batches_do_not_query_per_ticket(self):
        """Per ticket, the cron costs what creating the activities alone costs (mail notifies each assignee),
        plus about one query per ticket at most."""
        def cost(count, remind):
            tickets = self.env['helpdesk.ticket'].concat(*(
                self._ticket('2024-01-08 09:00:00') for _n in range(count)))
            self.env.flush_all()
            self.env.invalidate_all()
            with self._at('2024-01-08 14:00:00'):
                before = self.env.cr.sql_log_count
                remind(tickets)
                self.env.flush_all()
                queries = self.env.cr.sql_log_count - before
            self.assertEqual(len(tickets.activity_ids), count)
            return queries

        def cron(tickets):
            self.env['helpdesk.team']._cron_send_reminders()

        def activities_only(tickets):
            self.env['mail.activity'].create([{
                'res_model_id': self.env['ir.model']._get_id('helpdesk.ticket'), 'res_id': ticket.id,
                'activity_type_id': self.reminder_type.id, 'user_id': ticket.user_id.id, 'summary': 'Pending',
            } for ticket in tickets])

        cost(3, cron)  # warm the registry caches (the mail layouts the activity notice renders)
        ours = cost(12, cron) - cost(3, cron)
        mail = cost(12, activities_only) - cost(3, activities_only)
        # at most about one query per ticket of its own (the ticket write); measured 10 for 9 more tickets
        self.assertLessEqual(ours - mail, (12 - 3) + 1, "the reminder cron issues per-ticket queries of its own")


@tagged('post_install', '-at_install')
class TestRemindersConcurrency(TransactionCase):
    """Two servers running the reminder cron at once, on real cursors and committed data."""

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    def _cleanup(self, team_id, user_id):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            tickets = env['helpdesk.ticket'].with_context(active_test=False).search([('team_id', '=', team_id)])
            env['mail.activity'].search([('res_model', '=', 'helpdesk.ticket'), ('res_id', 'in', tickets.ids)]).unlink()
            tickets.unlink()
            env['helpdesk.team'].browse(team_id).unlink()
            user = env['res.users'].browse(user_id)
            partner = user.partner_id
            user.unlink()
            partner.unlink()

    def test_two_crons_never_make_two_activities(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            agent = new_test_user(env, 'hd_remind_lock', groups='helpdesk_ce.group_helpdesk_user')
            team = env['helpdesk.team'].create({
                'name': 'Reminder Lock Team', 'use_reminders': True, 'reminder_hours': 1,
                'resource_calendar_id': False})
            ticket = env['helpdesk.ticket'].create({'name': 'Pending', 'team_id': team.id, 'user_id': agent.id})
            env.flush_all()
            # pending for a month (the company calendar has working hours in that time)
            cr.execute("UPDATE helpdesk_ticket SET date_last_stage_update = now() at time zone 'UTC' "
                       "- interval '30 days' WHERE id = %s", [ticket.id])
            team_id, agent_id, ticket_id = team.id, agent.id, ticket.id
        self.addCleanup(self._cleanup, team_id, agent_id)

        def activities(env):
            return env['mail.activity'].search_count(
                [('res_model', '=', 'helpdesk.ticket'), ('res_id', '=', ticket_id)])

        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            env_a, env_b = self._env(cr_a), self._env(cr_b)
            env_b['helpdesk.team'].browse(team_id).read(['name'])  # server B's snapshot starts now
            env_a['helpdesk.team']._cron_send_reminders()
            env_a.flush_all()
            self.assertEqual(activities(env_a), 1)
            # B runs while A has not committed: the ticket is locked, B skips it
            env_b['helpdesk.team']._cron_send_reminders()
            env_b.flush_all()
            self.assertEqual(activities(env_b), 0)
            cr_a.commit()
            # B again, still on its old snapshot: the re-check under lock refuses (Odoo retries the cron later)
            with mute_logger('odoo.sql_db'), self.assertRaises(psycopg2.errors.SerializationFailure):
                env_b['helpdesk.team']._cron_send_reminders()
                env_b.flush_all()
            cr_b.rollback()
            # and on a fresh snapshot it finds the ticket reminded already
            env_b.invalidate_all()
            env_b['helpdesk.team']._cron_send_reminders()
            env_b.flush_all()
            self.assertEqual(activities(env_b), 1)
            cr_b.commit()


@tagged('post_install', '-at_install')
class TestRemindersTour(HttpCase):

    def test_manager_turns_reminders_on(self):
        new_test_user(self.env, 'tour_remind_manager', groups='helpdesk_ce.group_helpdesk_manager',
                      name='Remind Manager')
        team = self.env['helpdesk.team'].create({'name': 'Reminder Tour Team', 'privacy_visibility': 'internal'})
        self.start_tour('/web', 'helpdesk_ce_team_reminders_tour', login='tour_remind_manager')
        self.assertTrue(team.use_reminders)
        self.assertEqual(team.reminder_hours, 4)
        self.assertTrue(team.customer_reminder)
        self.assertEqual(team.customer_reminder_stage_id, self.env.ref('helpdesk_ce.stage_waiting'))
