"""Issue 9, finding 11: the smaller holes, each tried as it would be exploited or hit."""
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

import psycopg2.errors
from freezegun import freeze_time

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tests.common import TransactionCase, new_test_user
from odoo.tools import mute_logger

from odoo.addons.helpdesk_ce.upgrades import renumber_duplicate_ticket_refs

from .common import HelpdeskCommon, HelpdeskHttpCommon, HelpdeskSLACommon

T0 = fields.Datetime.from_string('2024-03-04 09:00:00')


class RealCursorsMixin:
    """Two workers on real cursors and committed data (the test transaction sees none of it)."""

    def _env(self, cr, uid=SUPERUSER_ID):
        return api.Environment(cr, uid, {})

    @contextmanager
    def _committed(self):
        with self.registry.cursor() as cr:
            yield self._env(cr)

    def _cleanup(self, team_ids):
        with self._committed() as env:
            env['helpdesk.ticket'].with_context(active_test=False).search([('team_id', 'in', team_ids)]).unlink()
            env['helpdesk.team'].browse(team_ids).unlink()


# ------------------------------------------------------------
# Merge
# ------------------------------------------------------------

@tagged('post_install', '-at_install')
class TestMergeConcurrency(RealCursorsMixin, TransactionCase):

    def test_two_merges_at_once(self):
        """B into A, and at the same time A into C: B's messages must never stay on an archived A."""
        with self._committed() as env:
            team = env['helpdesk.team'].create({'name': 'Merge Lock Team'})
            tickets = env['helpdesk.ticket'].create([{'name': name, 'team_id': team.id} for name in 'ABC'])
            for ticket in tickets:
                ticket.message_post(body='History of %s' % ticket.name)
            team_id, (a_id, b_id, c_id) = team.id, tickets.ids
        self.addCleanup(self._cleanup, [team_id])

        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            cr_b.execute("SET LOCAL lock_timeout = '5s'")
            Ticket_a, Ticket_b = self._env(cr_a)['helpdesk.ticket'], self._env(cr_b)['helpdesk.ticket']
            Ticket_a.browse(b_id)._merge_into(Ticket_a.browse(a_id))
            # the second merge fails at once with a clear message, rather than interleaving
            with self.assertRaisesRegex(UserError, 'being merged or edited by someone else'):
                Ticket_b.browse(a_id)._merge_into(Ticket_b.browse(c_id))
            cr_b.rollback()
            cr_b.execute("SELECT 1")  # B's next snapshot starts before A commits
            cr_a.commit()
            # from that older snapshot it fails to serialize (Odoo retries the request) ...
            with mute_logger('odoo.sql_db'), self.assertRaises(psycopg2.errors.SerializationFailure):
                Ticket_b.browse(a_id)._merge_into(Ticket_b.browse(c_id))
            cr_b.rollback()
            # ... and the retry, on a fresh snapshot, merges A (with what it got from B) into C
            Ticket_b.browse(a_id)._merge_into(Ticket_b.browse(c_id))
            cr_b.commit()

        with self._committed() as env:
            Ticket = env['helpdesk.ticket'].with_context(active_test=False)
            history = env['mail.message'].search([('model', '=', 'helpdesk.ticket'), ('body', 'like', 'History of')])
            self.assertEqual(len(history), 3)
            self.assertEqual(set(history.mapped('res_id')), {c_id}, "every message ends on the ticket kept")
            self.assertEqual(Ticket.browse([a_id, b_id]).mapped('active'), [False, False])
            self.assertEqual(Ticket.browse(b_id)._get_merge_target().id, c_id)

    def test_merge_into_archived_ticket_refused(self):
        with self._committed() as env:
            team = env['helpdesk.team'].create({'name': 'Merge Archived Team'})
            kept, other = env['helpdesk.ticket'].create([{'name': name, 'team_id': team.id} for name in 'KO'])
            kept.active = False
            team_id, kept_id, other_id = team.id, kept.id, other.id
        self.addCleanup(self._cleanup, [team_id])
        with self._committed() as env:
            Ticket = env['helpdesk.ticket'].with_context(active_test=False)
            with self.assertRaisesRegex(UserError, 'archived'):
                Ticket.browse(other_id)._merge_into(Ticket.browse(kept_id))


class HelpdeskMergeAccessCommon(HelpdeskCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_company.member_ids = [(4, cls.agent.id)]
        Partner = cls.env['res.partner']
        cls.carla = Partner.create({'name': 'Carla Customer', 'email': 'carla@example.com'})
        cls.bob = Partner.create({'name': 'Bob Buyer', 'email': 'bob@example.com'})


@tagged('post_install', '-at_install')
class TestMergeAccess(HelpdeskMergeAccessCommon):

    def test_similarity_against_unreadable_ticket(self):
        """The wizard rated the tickets against any target id: a similarity oracle on hidden tickets."""
        visible = self._create_ticket(self.team_company, name='Printer on fire')
        visible_2 = self._create_ticket(self.team_company, name='Printer on fire again')
        hidden = self._create_ticket(self.team_private, name='Salary of the CEO', partner_id=self.bob.id)
        Wizard = self.env['helpdesk.ticket.merge'].with_user(self.agent)
        with self.assertRaises(AccessError):
            Wizard.create({'ticket_ids': [(6, 0, (visible | visible_2).ids)], 'target_ticket_id': hidden.id})
        wizard = Wizard.create({'ticket_ids': [(6, 0, (visible | visible_2).ids)]})
        with self.assertRaises(AccessError):
            wizard.write({'target_ticket_id': hidden.id})
        with self.assertRaises(AccessError):
            wizard.write({'ticket_ids': [(4, hidden.id)]})
        # nor through a line of its own making, whose related fields would show the hidden ticket
        with self.assertRaises(AccessError):
            self.env['helpdesk.ticket.merge.line'].with_user(self.agent).create(
                {'wizard_id': wizard.id, 'ticket_id': hidden.id})

    def test_merging_customers_says_who_gains_access(self):
        kept = self._create_ticket(self.team_company, partner_id=self.carla.id)
        other = self._create_ticket(self.team_company, partner_id=self.bob.id)
        same_customer = self._create_ticket(self.team_company, partner_id=self.carla.id)
        other.message_subscribe(partner_ids=self.agent_2.partner_id.ids)  # an employee: not a customer
        wizard = self.env['helpdesk.ticket.merge'].with_user(self.agent).create(
            {'ticket_ids': [(6, 0, (kept | other | same_customer).ids)]})
        self.assertEqual(wizard.target_ticket_id, kept)
        self.assertIn('Bob Buyer', wizard.access_warning)
        self.assertNotIn('Carla', wizard.access_warning)
        self.assertNotIn('Agent Jones', wizard.access_warning)
        # tickets of one customer: nothing to warn about
        wizard.ticket_ids = kept | same_customer
        self.assertFalse(wizard.access_warning)
        wizard.ticket_ids = kept | other | same_customer
        wizard.action_merge()
        self.assertIn(self.bob, kept.message_partner_ids)
        summary = kept.message_ids.filtered(lambda m: 'Merged into this ticket' in m.body)
        self.assertIn('Bob Buyer', summary.body)
        self.assertIn('now follow this ticket', summary.body)


# ------------------------------------------------------------
# Automatic closing and the SLA cron
# ------------------------------------------------------------

@contextmanager
def _after_first_search(model_class, action):
    """Run ``action`` right after the first ``search`` of the model: what a cron reads, then acts on."""
    original = model_class.search
    done = []

    def search(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        if not done:
            done.append(True)
            action()
        return result

    with patch.object(model_class, 'search', search):
        yield


@tagged('post_install', '-at_install')
class TestAutoCloseRace(HelpdeskCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_company.write({'auto_close_ticket': True, 'auto_close_day': 7})

    def test_reply_between_search_and_close(self):
        with freeze_time(T0):
            ticket, idle = self.env['helpdesk.ticket'].create(
                [{'name': name, 'team_id': self.team_company.id} for name in ('Talked', 'Idle')])
            self.env.flush_all()
        with freeze_time(T0 + timedelta(days=8)):
            def reply():
                ticket.message_post(body='Still broken!', message_type='comment')
            with _after_first_search(self.registry['helpdesk.ticket'], reply):
                self.env['helpdesk.team']._cron_auto_close_tickets()
            self.env.flush_all()
        self.assertEqual(ticket.stage_id, self.stage_new, "the reply came before the closing")
        self.assertFalse(ticket.message_ids.filtered(lambda m: 'Closed automatically' in m.body))
        self.assertEqual(idle.stage_id, self.stage_solved)


@tagged('post_install', '-at_install')
class TestAutoCloseTwoServers(RealCursorsMixin, TransactionCase):

    def test_two_runs_at_once_close_once(self):
        with self._committed() as env:
            team = env['helpdesk.team'].create({'name': 'Auto Close Team', 'auto_close_ticket': True,
                                                'auto_close_day': 7})
            tickets = env['helpdesk.ticket'].create([{'name': 'Idle %s' % i, 'team_id': team.id} for i in range(3)])
            env.flush_all()
            # inactive for 10 days
            env.cr.execute("UPDATE helpdesk_ticket SET date_last_stage_update = now() - interval '10 days'"
                           " WHERE id = ANY(%s)", [tickets.ids])
            env.cr.execute("UPDATE mail_message SET date = now() - interval '10 days'"
                           " WHERE model = 'helpdesk.ticket' AND res_id = ANY(%s)", [tickets.ids])
            team_id, ticket_ids = team.id, tickets.ids
        self.addCleanup(self._cleanup, [team_id])

        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            cr_b.execute("SET LOCAL lock_timeout = '5s'")
            self._env(cr_a)['helpdesk.team']._cron_auto_close_tickets()
            # server B runs while A's transaction is still open: it leaves A's tickets alone
            self._env(cr_b)['helpdesk.team']._cron_auto_close_tickets()
            cr_b.commit()
            cr_a.commit()

        with self._committed() as env:
            tickets = env['helpdesk.ticket'].browse(ticket_ids)
            self.assertEqual(set(tickets.mapped('is_closed')), {True})
            for ticket in tickets:
                self.assertEqual(len(ticket.message_ids.filtered(lambda m: 'Closed automatically' in m.body)), 1)


@tagged('post_install', '-at_install')
class TestSlaCronRace(HelpdeskSLACommon):

    def test_reply_between_search_and_failure(self):
        """An agent's reply sent before the deadline is processed (the target reached at its date) while the cron
        runs: the cron must not turn it to failed."""
        self._create_sla(name='Answer in two hours', target_type='first_response', stage_id=False, time=2)
        with self._at('2024-01-08 09:00:00'):
            ticket = self._create_ticket(self.team)
        status = ticket.sla_status_ids
        self.assertEqual(status.deadline, fields.Datetime.from_string('2024-01-08 11:00:00'))
        sent = fields.Datetime.from_string('2024-01-08 10:30:00')
        with self._at('2024-01-08 12:00:00'):
            def reply():
                status._reach(sent)
            with _after_first_search(self.registry['helpdesk.sla.status'], reply):
                self.env['helpdesk.sla.status']._cron_fail_overdue()
        self.assertEqual((status.status, status.reached_datetime), ('reached', sent))
        self.assertFalse(ticket.sla_fail)


# ------------------------------------------------------------
# Portal closing
# ------------------------------------------------------------

@tagged('post_install', '-at_install')
class TestPortalCloseArchived(HelpdeskHttpCommon):

    def test_close_merged_ticket_with_its_token(self):
        self.team_public.allow_portal_ticket_closing = True
        kept = self._create_ticket(self.team_public, partner_id=self.portal.partner_id.id)
        merged = self._create_ticket(self.team_public, partner_id=self.portal.partner_id.id)
        token = merged._portal_ensure_token()
        merged._merge_into(kept)
        self.assertFalse(merged._portal_can_close())
        self.assertTrue(kept._portal_can_close())
        with self.assertRaises(UserError):
            merged.sudo()._portal_close(self.portal.partner_id)
        self.authenticate(None, None)
        with mute_logger('odoo.http'):
            response = self.url_open('/my/tickets/%s/close' % merged.id, data={
                'access_token': token, 'csrf_token': self._csrf_token()})
        self.assertIn(response.status_code, (403, 404))
        self.assertEqual(merged.stage_id, self.stage_new)
        self.assertFalse(merged.message_ids.filtered(lambda m: 'closed the ticket' in m.body))


# ------------------------------------------------------------
# References, SLA visibility, numeric settings
# ------------------------------------------------------------

@tagged('post_install', '-at_install')
class TestTicketRef(HelpdeskCommon):

    def test_reference_unique_per_company(self):
        first = self._create_ticket(self.team_company)
        other_company_team = self.env['helpdesk.team'].create({'name': 'Far', 'company_id': self.company_2.id})
        with mute_logger('odoo.sql_db'), self.assertRaises(psycopg2.errors.UniqueViolation), self.env.cr.savepoint():
            self._create_ticket(self.team_company, ticket_ref=first.ticket_ref)
        with mute_logger('odoo.sql_db'), self.assertRaises(psycopg2.errors.UniqueViolation), self.env.cr.savepoint():
            self._create_ticket(self.team_company).write({'ticket_ref': first.ticket_ref})
        self.assertEqual(self._create_ticket(other_company_team, ticket_ref=first.ticket_ref).ticket_ref,
                         first.ticket_ref, "another company may use the same reference")
        # without a sequence, tickets have no reference rather than the same one
        self.env.ref('helpdesk_ce.seq_helpdesk_ticket').active = False
        refless = self.env['helpdesk.ticket'].create(
            [{'name': 'No sequence', 'team_id': self.team_company.id} for _i in range(2)])
        self.assertEqual(refless.mapped('ticket_ref'), [False, False])

    def test_migration_renumbers_duplicates(self):
        tickets = self.env['helpdesk.ticket'].create(
            [{'name': str(i), 'team_id': self.team_company.id} for i in range(4)])
        self.env.flush_all()
        # a database from before the constraint
        self.env.cr.execute("ALTER TABLE helpdesk_ticket DROP CONSTRAINT helpdesk_ticket_ticket_ref_company_uniq")
        self.env.cr.execute("UPDATE helpdesk_ticket SET ticket_ref = 'HD00001' WHERE id = ANY(%s)", [tickets[:3].ids])
        self.env.cr.execute("UPDATE helpdesk_ticket SET ticket_ref = 'HD00001-2' WHERE id = %s", [tickets[3].id])
        self.assertEqual(renumber_duplicate_ticket_refs(self.env.cr), 3)
        tickets.invalidate_recordset(['ticket_ref'])
        self.assertEqual(tickets.mapped('ticket_ref'), ['HD00001', 'HD00001-2', 'HD00001-3', 'HD00001-2-2'])
        self.assertEqual(renumber_duplicate_ticket_refs(self.env.cr), 0)


@tagged('post_install', '-at_install')
class TestSlaVisibility(HelpdeskCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vip = cls.env['res.partner'].create({'name': 'Very Important Customer'})
        cls.member = new_test_user(cls.env, 'hd_member', groups='helpdesk_ce.group_helpdesk_user', name='Member May')
        cls.team_private.member_ids = [(4, cls.member.id)]
        Sla = cls.env['helpdesk.sla']
        cls.private_sla = Sla.create({'name': 'VIP in one hour', 'team_id': cls.team_private.id, 'time': 1,
                                      'stage_id': cls.stage_solved.id, 'partner_ids': [(6, 0, cls.vip.ids)]})
        cls.public_sla = Sla.create({'name': 'Everyone in a day', 'team_id': cls.team_public.id, 'time': 8,
                                     'stage_id': cls.stage_solved.id})

    def test_private_team_policies(self):
        Sla = self.env['helpdesk.sla']
        slas = self.private_sla | self.public_sla
        self.assertEqual(Sla.with_user(self.agent).search([('id', 'in', slas.ids)]), self.public_sla)
        with self.assertRaises(AccessError):
            self.private_sla.with_user(self.agent).read(['partner_ids'])
        self.assertFalse(Sla.with_user(self.agent).search([('partner_ids', 'in', self.vip.ids)]))
        # the team's members and followers see them, managers see everything
        self.assertEqual(Sla.with_user(self.member).search([('id', 'in', slas.ids)]), slas)
        self.team_private.message_subscribe(partner_ids=self.agent_2.partner_id.ids)
        self.assertEqual(Sla.with_user(self.agent_2).search([('id', 'in', slas.ids)]), slas)
        self.assertEqual(Sla.with_user(self.manager).search([('id', 'in', slas.ids)]), slas)


@tagged('post_install', '-at_install')
class TestNumericBounds(HelpdeskSLACommon):

    def test_sla_hours_bounded(self):
        with self.assertRaisesRegex(ValidationError, 'at most 5000 working hours'), self.env.cr.savepoint():
            self._create_sla(time=1e7)
        sla = self._create_sla(time=5000)
        with self._at('2024-01-08 09:00:00'):
            ticket = self._create_ticket(self.team)
        self.assertTrue(ticket.sla_deadline, "the longest policy still gets a deadline")
        with self.assertRaisesRegex(ValidationError, 'at most'):
            sla.time = 5001

    def test_auto_close_period_bounded(self):
        with self.assertRaisesRegex(ValidationError, 'at most 3650 days'), self.env.cr.savepoint():
            self.team.write({'auto_close_ticket': True, 'auto_close_day': 10 ** 9})
        self.team.write({'auto_close_ticket': True, 'auto_close_day': 3650})
        self.env['helpdesk.team']._cron_auto_close_tickets()

    def test_duplicate_threshold_bounded(self):
        for value in (0, 101, 10 ** 9):
            with self.subTest(value=value), self.assertRaises(ValidationError), self.env.cr.savepoint():
                self.env['res.config.settings'].create({'helpdesk_duplicate_threshold': value})
        self.env['res.config.settings'].create({'helpdesk_duplicate_threshold': 100}).execute()
        self.assertEqual(self.env['helpdesk.ticket']._get_duplicate_threshold(), 100)
