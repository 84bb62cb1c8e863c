import re

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.mail.tests.common import MailCommon

from ..models.record_rules import searched_readable
from .common import TICKET_MAIL, HelpdeskCommon, HelpdeskHttpCommon, captured_statements

# Query budgets: a change that adds queries to these paths fails here (issue 10). The numbers hold with
# an empty ORM cache, as a new request has; registry-wide caches (xmlids, rules, views) are warm.
# with the creation message, logged in one insertion unless someone follows the team for new tickets, by a
# creator mail does not subscribe (no existing follower to look up): 15, was 17; 14 with the new followers
# read from the cache mail just filled
SINGLE_CREATE_QUERIES = 14
SINGLE_CREATE_ACK_QUERIES = 15  # the acknowledgement is left to its job: one query to wake it up
AGENT_PAGE_QUERIES = 10
PORTAL_LIST_QUERIES = 16
# a mail from a new sender to a team's alias: parsing, routing, the customer, the ticket, the mail posted on it
GATEWAY_NEW_TICKET_QUERIES = 44
BATCH_CREATE_QUERIES_PER_TICKET = 4  # measured 3 (8 when each creation message was posted)
# the job's composer renders all the pending acknowledgements at once; mail still posts and notifies each
# message on its own
STAGE_MESSAGES_JOB_QUERIES_PER_TICKET = 13  # measured 12


def list_view_spec(model):
    """The specification the web client sends for the default list view: its fields, records by name."""
    arch = model.get_views([(False, 'list')])['views']['list']['arch']
    spec = {}
    for fname in re.findall(r'<field name="([a-z_0-9]+)"', arch):
        field = model._fields.get(fname)
        if field:
            spec[fname] = {'fields': {'display_name': {}}} if field.relational else {}
    return spec


@tagged('post_install', '-at_install')
class TestQueryCounts(HelpdeskCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.members = cls.agent | cls.agent_2 | new_test_user(
            cls.env, 'hd_perf_a3', groups='helpdesk_ce.group_helpdesk_user', email='a3@example.com')
        cls.team = cls.env['helpdesk.team'].create({
            'name': 'Busy Team', 'privacy_visibility': 'invited_internal', 'auto_assignment': True,
            'assign_method': 'balanced', 'member_ids': [Command.set(cls.members.ids)]})
        cls.customer = cls.env['res.partner'].create({'name': 'Query Customer', 'email': 'query@example.com'})

    def _create(self, count=1):
        # with the creation message, as in production (the suite's default context leaves it out)
        tickets = self.env['helpdesk.ticket'].with_context(mail_create_nolog=False).create([
            {'name': 'Query %s' % n, 'team_id': self.team.id, 'partner_id': self.customer.id} for n in range(count)])
        self.env.flush_all()
        return tickets

    def _measure_create(self, budget):
        self._create()  # warm the registry caches
        self.env.invalidate_all()
        self.env.user.fetch(['login'])  # read by assertQueryCount
        with self.assertQueryCount(budget):
            ticket = self._create()
        self.assertTrue(ticket.user_id, "assignment is on")

    def test_single_create_templates_off(self):
        self.env['helpdesk.stage'].search([]).template_id = False
        self._measure_create(SINGLE_CREATE_QUERIES)

    def test_single_create_with_acknowledgement(self):
        self.assertTrue(self.stage_new.template_id)
        self._measure_create(SINGLE_CREATE_ACK_QUERIES)
        ticket = self.env['helpdesk.ticket'].search([('team_id', '=', self.team.id)], limit=1)
        outgoing = [('model', '=', 'helpdesk.ticket'), ('res_id', '=', ticket.id), ('state', '=', 'outgoing')]
        self.assertFalse(self.env['mail.mail'].search(outgoing), "rendered by the job, not in the request")
        self._run_stage_messages_job()
        self.assertTrue(self.env['mail.mail'].search(outgoing), "queued, never sent by the job itself")

    def test_single_create_reads_what_it_uses(self):
        """The customer, the creator, their partner and company are read for the few fields a creation uses
        (contact data, follower, author, alias domain), not row by row of every column: a third of a creation."""
        self.env['helpdesk.stage'].search([]).template_id = False
        self._create()
        self.env.invalidate_all()
        with captured_statements(self.env.cr) as statements:
            ticket = self._create()
        reads = {table: [sql for sql in statements if re.match(r'\s*SELECT .* FROM "%s"' % table, sql, re.S)]
                 for table in ('res_partner', 'res_users', 'res_company')}
        self.assertEqual(len(reads['res_partner']), 2, "the customer, the author")
        self.assertEqual(len(reads['res_users']), 1, "the creator")
        self.assertEqual(len(reads['res_company']), 1, "the alias domain")
        for sql in sum(reads.values(), []):
            self.assertLess(sql.split(' FROM ')[0].count('", "'), 5, "a few columns, not the row: %s" % sql)
        self.assertEqual(ticket.partner_email, 'query@example.com')
        message = ticket.message_ids.filtered(lambda m: m.subtype_id == self.env.ref('helpdesk_ce.mt_ticket_new'))
        self.assertEqual(message.email_from, self.env.user.partner_id.email_formatted)
        # no customer (as an empty form sends it), or a customer still to be made in the same values
        without, with_new = self.env['helpdesk.ticket'].create([
            {'name': 'No customer', 'team_id': self.team.id, 'partner_id': False, 'partner_email': 'x@example.com'},
            {'name': 'New customer', 'team_id': self.team.id,
             'partner_id': self.env['res.partner'].create({'name': 'Fresh', 'phone': '+32 2 555 00 00'}).id}])
        self.assertEqual((without.partner_email, with_new.partner_phone), ('x@example.com', '+32 2 555 00 00'))

    def test_batch_create_does_not_grow_per_ticket(self):
        """A batch assigns and subscribes at once; its acknowledgements are left to the job."""
        self._create(2)
        counts = []
        for size in (5, 25):
            self.env.invalidate_all()
            start = self.cr.sql_log_count
            self._create(size)
            counts.append(self.cr.sql_log_count - start)
        per_ticket = (counts[1] - counts[0]) / 20
        self.assertLessEqual(per_ticket, BATCH_CREATE_QUERIES_PER_TICKET,
                             "per-ticket queries in a batch create: %s" % counts)

    def test_stage_messages_job_renders_at_once(self):
        """What grows with the job's batch is mail's own work for each message (post, notify, queue)."""
        self._create(2)
        self._run_stage_messages_job()

        def send(count):
            self._create(count)
            self.env.invalidate_all()
            start = self.cr.sql_log_count
            self._run_stage_messages_job()
            return self.cr.sql_log_count - start
        counts = [send(5), send(25)]
        per_ticket = (counts[1] - counts[0]) / 20
        self.assertLessEqual(per_ticket, STAGE_MESSAGES_JOB_QUERIES_PER_TICKET,
                             "per-ticket queries of the stage messages job: %s" % counts)

    def test_agent_page(self):
        """The agent's ticket list as the web client loads it: count and first 80 rows."""
        self.env['helpdesk.ticket'].create([
            {'name': 'Listed %s' % n, 'team_id': team.id, 'partner_id': self.customer.id}
            for n in range(30) for team in (self.team, self.team_company, self.team_public, self.team_private)])
        Ticket = self.env['helpdesk.ticket'].with_user(self.agent)
        spec = list_view_spec(Ticket)
        self.env.flush_all()
        self.env.invalidate_all()
        Ticket.web_search_read([], spec, limit=80, count_limit=10001)  # warm the registry caches (rules)
        self.env.invalidate_all()
        with self.assertQueryCount(AGENT_PAGE_QUERIES):
            result = Ticket.web_search_read([], spec, limit=80, count_limit=10001)
        self.assertEqual(result['length'], 90, "the private team of others is not listed")
        self.assertEqual(len(result['records']), 80)

    def test_list_counts_read_one_index(self):
        """A team's list, or all tickets, is counted with the agent's visibility rule off one index, without the
        table's wide rows (an index-only scan on a large table): the count reads no column the index lacks."""
        self.env.cr.execute("""
            SELECT array_agg(att.attname ORDER BY att.attname), pg_get_expr(ind.indpred, ind.indrelid)
              FROM pg_index ind JOIN pg_attribute att ON att.attrelid = ind.indrelid AND att.attnum = ANY(ind.indkey)
             WHERE ind.indexrelid = 'helpdesk_ticket_team_count_index'::regclass
          GROUP BY ind.indpred, ind.indrelid""")
        columns, predicate = self.env.cr.fetchone()
        self.assertEqual(predicate, 'active')
        Ticket = self.env['helpdesk.ticket'].with_user(self.agent)
        for domain in ([('team_id', '=', self.team.id)], []):
            sql = Ticket._search(domain).select(SQL()).code
            read = set(re.findall(r'"helpdesk_ticket"\."(\w+)"', sql))
            self.assertLessEqual(read, set(columns) | {'active'}, sql)
            self.assertIn('team_id', read)

@tagged('post_install', '-at_install')
class TestPortalQueryCount(HelpdeskHttpCommon):

    def test_portal_list(self):
        self.env['helpdesk.ticket'].create([
            {'name': 'Mine %s' % n, 'team_id': self.team_public.id, 'partner_id': self.portal.partner_id.id}
            for n in range(25)])
        self.authenticate('hd_portal', 'hd_portal')
        self.url_open('/my/tickets')  # warm the views
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(PORTAL_LIST_QUERIES):
            page = self.url_open('/my/tickets')
        self.assertEqual(page.status_code, 200)
        self.assertEqual(len(set(re.findall(r'/my/tickets/(\d+)', page.text))), 25)

    def test_sla_status_rules_checked_in_sql_still_deny(self):
        """Statuses are read with their rules applied in SQL (see helpdesk.sla.status): same verdicts."""
        self.env['helpdesk.sla'].create({
            'name': 'Answer fast', 'team_id': self.team_private.id, 'time': 4, 'target_type': 'first_response'})
        statuses = self._create_ticket(self.team_private).sla_status_ids
        self.assertTrue(statuses)
        self.env.flush_all()
        with self.assertRaises(AccessError):
            statuses.with_user(self.agent).read(['status'])
        self.team_private.member_ids = [Command.link(self.agent.id)]
        self.env.invalidate_all()
        self.assertEqual(statuses.with_user(self.agent).read(['status'])[0]['status'], 'ongoing')


    def test_list_page_reads_statuses_without_their_rules_and_only_there(self):
        """The list page reads its tickets' statuses without applying the status rules again (they are the
        tickets' own, the page's search applied them); any other read of statuses, by the same user for other
        tickets or by another user, still applies them."""
        self.env['helpdesk.sla'].create([
            {'name': 'Answer fast', 'team_id': team.id, 'time': 4, 'target_type': 'first_response'}
            for team in (self.team_public, self.team_private)])
        listed = self._create_ticket(self.team_public)
        private = self._create_ticket(self.team_private)
        self.assertTrue(listed.sla_status_ids and private.sla_status_ids)
        self.env.flush_all()
        self.env.invalidate_all()
        Ticket = self.env['helpdesk.ticket'].with_user(self.agent)
        with captured_statements(self.env.cr) as statements:
            result = Ticket.web_search_read([('id', 'in', (listed | private).ids)], list_view_spec(Ticket))
        self.assertEqual([r['id'] for r in result['records']], listed.ids, "the private team's ticket is not listed")
        self.assertEqual([status['id'] for status in result['records'][0]['sla_status_ids']],
                         listed.sla_status_ids.ids)
        # the one2many's search, then the statuses' names (their policy): neither with the visibility subquery
        status_queries = [q for q in statements if 'FROM "helpdesk_sla_status"' in q]
        self.assertEqual(len(status_queries), 2)
        for query in status_queries:
            self.assertNotIn('mail_followers', query, "the page's search applied the rules")
        # elsewhere the rules apply: the private ticket's statuses, by this agent, during such a page
        Status = self.env['helpdesk.sla.status'].with_user(self.agent)
        with searched_readable(Ticket.browse(listed.ids)):
            self.assertFalse(Status.search([('ticket_id', 'in', private.ids)]))
            self.assertEqual(Status.search([('ticket_id', 'in', listed.ids)]), listed.sla_status_ids)
            outsider = Status.with_user(self.portal)
            with self.assertRaises(AccessError):
                outsider.search([('ticket_id', 'in', listed.ids)])


    def test_list_page_statuses_from_the_denied_side(self):
        """Whoever lists tickets (visitor, customers, an employee without helpdesk rights, an agent outside the
        private team, an agent just taken off it) gets the statuses of the tickets they may read only, and,
        during their own page, cannot reach the private ticket's statuses."""
        self.env['helpdesk.sla'].create({
            'name': 'Answer fast', 'team_id': self.team_private.id, 'time': 4, 'target_type': 'first_response'})
        private = self._create_ticket(self.team_private)
        self.assertTrue(private.sla_status_ids)
        self.team_private.member_ids = [Command.link(self.agent_2.id)]
        self.team_private.member_ids = [Command.unlink(self.agent_2.id)]
        public = self.env.ref('base.public_user')
        self.env.flush_all()
        for user in (public, self.portal, self.portal_2, self.internal, self.agent, self.agent_2):
            self.env.invalidate_all()
            Ticket = self.env['helpdesk.ticket'].with_user(user)
            Status = self.env['helpdesk.sla.status'].with_user(user)
            try:
                result = Ticket.web_search_read([('id', '=', private.id)], list_view_spec(Ticket))
            except AccessError:
                continue  # no right to read tickets at all
            self.assertFalse(result['records'], user.login)
            with searched_readable(Ticket.search([])):
                try:
                    found = Status.search([('ticket_id', 'in', private.ids)])
                except AccessError:
                    found = Status.browse()
            self.assertFalse(found, user.login)


@tagged('post_install', '-at_install')
class TestGatewayQueryCount(HelpdeskCommon, MailCommon):

    def test_mail_from_new_sender(self):
        self.env['helpdesk.stage'].search([]).template_id = False
        team = self.env['helpdesk.team'].create({
            'name': 'Mail Queue', 'alias_name': 'hd.queries', 'auto_assignment': True,
            'member_ids': [Command.set((self.agent | self.agent_2).ids)]})
        to = 'hd.queries@%s' % self.alias_domain

        def receive(n):
            return self.format_and_process(
                TICKET_MAIL, 'Sender %s <sender%s@customer.example.com>' % (n, n), to, subject='Help %s' % n,
                msg_id='<help-%s@customer.example.com>' % n, target_model='helpdesk.ticket')

        receive(0)  # warm the registry caches
        self.env.invalidate_all()
        self.env.user.fetch(['login'])
        with self.assertQueryCount(GATEWAY_NEW_TICKET_QUERIES):
            ticket = receive(1)
        self.assertEqual(ticket.team_id, team)
        self.assertTrue(ticket.user_id, "assignment is on")
        self.assertEqual(ticket.partner_id.email, 'sender1@customer.example.com')
        self.assertEqual(ticket.message_partner_ids, ticket.partner_id | ticket.user_id.partner_id)
