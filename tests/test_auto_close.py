from contextlib import contextmanager
from datetime import timedelta

from freezegun import freeze_time

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged

from .common import HelpdeskCommon

T0 = fields.Datetime.from_string('2024-03-04 09:00:00')


def day(n):
    return T0 + timedelta(days=n)


class FrozenTimeMixin:

    @contextmanager
    def at(self, when):
        """Freeze the clock, and compute stored dates (flushed lazily) before it moves on."""
        with freeze_time(when):
            yield
            self.env.flush_all()


@tagged('post_install', '-at_install')
class TestAutoClose(HelpdeskCommon, FrozenTimeMixin):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_waiting = cls.env.ref('helpdesk_ce.stage_waiting')
        cls.team_company.write({'auto_close_ticket': True, 'auto_close_day': 7})

    def _run_cron(self, at, **kwargs):
        with self.at(at):
            self.env['helpdesk.team']._cron_auto_close_tickets(**kwargs)

    def test_default_closing_stage_is_the_first_folded_one(self):
        self.assertEqual(self.team_company.to_stage_id, self.stage_solved)
        self.team_company.stage_ids -= self.stage_solved
        self.assertEqual(self.team_company.to_stage_id, self.stage_cancelled)
        self.assertEqual(self.env['helpdesk.team'].create({'name': 'Fresh'}).to_stage_id, self.stage_solved)

    def test_inactive_period_must_be_positive(self):
        with self.assertRaises(ValidationError):
            self.team_company.auto_close_day = 0
        self.team_public.auto_close_day = 0  # fine while automatic closing is off

    def test_cron_closes_inactive_tickets_only(self):
        with self.at(T0):
            idle_new, idle_progress, talked, moved, closed = self.env['helpdesk.ticket'].create([
                {'name': name, 'team_id': self.team_company.id}
                for name in ('Idle new', 'Idle in progress', 'Talked', 'Moved', 'Closed')])
            (idle_progress | talked | moved).stage_id = self.stage_progress
            closed.stage_id = self.stage_cancelled
            elsewhere = self._create_ticket(self.team_public)  # automatic closing is off there
        with self.at(day(5)):
            talked.message_post(body="Any news?", message_type='comment')
        with self.at(day(3)):
            moved.stage_id = self.stage_waiting

        self._run_cron(day(6))
        self.assertEqual((idle_new | idle_progress).stage_id, self.stage_progress | self.stage_new)

        self._run_cron(day(8))
        self.assertEqual(idle_new.stage_id, self.stage_solved)
        self.assertEqual(idle_progress.stage_id, self.stage_solved)
        self.assertEqual(talked.stage_id, self.stage_progress, "a message is activity")
        self.assertEqual(moved.stage_id, self.stage_waiting, "a stage change is activity")
        self.assertEqual(closed.stage_id, self.stage_cancelled)
        self.assertEqual(elsewhere.stage_id, self.stage_new)
        for ticket in idle_new | idle_progress:
            self.assertTrue(ticket.message_ids.filtered(
                lambda m: 'Closed automatically after 7 days without activity' in m.body))
            self.assertEqual(ticket.close_date, day(8))

        self._run_cron(day(11))
        self.assertEqual(moved.stage_id, self.stage_solved)
        self.assertEqual(talked.stage_id, self.stage_progress)
        self._run_cron(day(13))
        self.assertEqual(talked.stage_id, self.stage_solved)

    def test_only_chosen_stages(self):
        self.team_company.from_stage_ids = self.stage_waiting
        with self.at(T0):
            new, waiting = self._create_ticket(self.team_company), self._create_ticket(self.team_company)
            waiting.stage_id = self.stage_waiting
        self._run_cron(day(30))
        self.assertEqual(new.stage_id, self.stage_new)
        self.assertEqual(waiting.stage_id, self.stage_solved)

    def test_every_team_in_one_run_in_batches(self):
        self.team_public.write({
            'auto_close_ticket': True, 'auto_close_day': 2, 'to_stage_id': self.stage_cancelled.id})
        with self.at(T0):
            company_tickets = self.env['helpdesk.ticket'].create(
                [{'name': str(i), 'team_id': self.team_company.id} for i in range(5)])
            public_tickets = self.env['helpdesk.ticket'].create(
                [{'name': str(i), 'team_id': self.team_public.id} for i in range(3)])
        self._run_cron(day(3), batch_size=2)
        self.assertEqual(company_tickets.stage_id, self.stage_new)
        self.assertEqual(public_tickets.stage_id, self.stage_cancelled)
        self._run_cron(day(8), batch_size=2)
        self.assertEqual(company_tickets.stage_id, self.stage_solved)

    def test_a_run_closes_at_most_its_limit_then_runs_again(self):
        cron = self.env.ref('helpdesk_ce.ir_cron_auto_close_tickets')
        with self.at(T0):
            tickets = self.env['helpdesk.ticket'].create(
                [{'name': str(i), 'team_id': self.team_company.id} for i in range(3)])
        triggers = self.env['ir.cron.trigger'].search([('cron_id', '=', cron.id)])
        self._run_cron(day(8), batch_size=1, limit=2)
        self.assertEqual([t.stage_id for t in tickets], [self.stage_solved, self.stage_solved, self.stage_new])
        self.assertEqual(len(self.env['ir.cron.trigger'].search([('cron_id', '=', cron.id)]) - triggers), 1)
        self._run_cron(day(8), batch_size=1, limit=2)
        self.assertEqual(tickets.stage_id, self.stage_solved)
        self.assertEqual(len(self.env['ir.cron.trigger'].search([('cron_id', '=', cron.id)]) - triggers), 1)

    def test_cron_is_scheduled_daily(self):
        cron = self.env.ref('helpdesk_ce.ir_cron_auto_close_tickets')
        self.assertTrue(cron.active)
        self.assertEqual((cron.interval_number, cron.interval_type), (1, 'days'))
        self.assertIn('_cron_auto_close_tickets', cron.code)


@tagged('post_install', '-at_install')
class TestKanbanState(HelpdeskCommon, FrozenTimeMixin):

    def test_stage_change_resets_kanban_state_and_dates_it(self):
        with self.at(T0):
            ticket = self._create_ticket(self.team_public)
        self.assertEqual(ticket.kanban_state, 'normal')
        self.assertEqual(ticket.date_last_stage_update, T0)
        self.assertEqual(ticket.legend_blocked, self.stage_new.legend_blocked)
        ticket.kanban_state = 'blocked'
        with self.at(day(1)):
            ticket.priority = '3'
        self.assertEqual(ticket.kanban_state, 'blocked')
        self.assertEqual(ticket.date_last_stage_update, T0)
        with self.at(day(2)):
            ticket.stage_id = self.stage_progress
        self.assertEqual(ticket.kanban_state, 'normal')
        self.assertEqual(ticket.date_last_stage_update, day(2))
        self.stage_progress.legend_done = 'Waiting for review'
        self.assertEqual(ticket.legend_done, 'Waiting for review')


@tagged('post_install', '-at_install')
class TestAutoCloseConcurrency(TransactionCase):
    """Two servers running the crons on one database: a ticket another transaction holds is left to it."""

    def test_cron_skips_tickets_another_transaction_holds(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            team = env['helpdesk.team'].create({
                'name': 'Scale-out Team', 'auto_close_ticket': True, 'auto_close_day': 1})
            tickets = env['helpdesk.ticket'].create([{'name': 'Held', 'team_id': team.id},
                                                     {'name': 'Free', 'team_id': team.id}])
            env.flush_all()
            old = fields.Datetime.now() - timedelta(days=5)
            cr.execute("UPDATE helpdesk_ticket SET date_last_stage_update = %s WHERE id IN %s",
                       [old, tuple(tickets.ids)])
            cr.execute("UPDATE mail_message SET date = %s WHERE model = 'helpdesk.ticket' AND res_id IN %s",
                       [old, tuple(tickets.ids)])
            team_id, (held_id, free_id) = team.id, tickets.ids
        self.addCleanup(self._cleanup, team_id)

        def closing_lines(cr, ticket_id):
            cr.execute("""SELECT count(*) FROM mail_message WHERE model = 'helpdesk.ticket' AND res_id = %s
                           AND body::text LIKE '%%Closed automatically%%'""", [ticket_id])
            return cr.fetchone()[0]

        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            # another server's run (or a reply) holds the first ticket
            cr_a.execute("SELECT id FROM helpdesk_ticket WHERE id = %s FOR NO KEY UPDATE", [held_id])
            env_b = api.Environment(cr_b, SUPERUSER_ID, {})
            env_b['helpdesk.team']._cron_auto_close_tickets()
            cr_b.commit()
            cr_a.rollback()
            env_b.invalidate_all()
            held, free = env_b['helpdesk.ticket'].browse([held_id, free_id])
            self.assertFalse(held.is_closed, "a held ticket is left to the transaction holding it")
            self.assertTrue(free.is_closed)
            # the next run closes it, and nothing is logged twice
            for _run in range(2):
                env_b['helpdesk.team']._cron_auto_close_tickets()
                cr_b.commit()
            env_b.invalidate_all()
            self.assertTrue(held.is_closed)
            self.assertEqual((closing_lines(cr_b, held_id), closing_lines(cr_b, free_id)), (1, 1))

    def _cleanup(self, team_id):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env['helpdesk.ticket'].with_context(active_test=False).search([('team_id', '=', team_id)]).unlink()
            env['helpdesk.team'].browse(team_id).unlink()
