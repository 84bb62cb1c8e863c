#!/usr/bin/env python3
"""Repeatable performance measures of helpdesk_ce on a populated database.

    make populate SIZE=large   # helpdesk_ce_bench with 100k tickets (odoo-bin populate)
    make bench                 # this script: timings (ms) and query counts per scenario

Each scenario runs --repeat times inside a savepoint that is rolled back, with the ORM cache emptied
before each run; the table shows the fastest and the median run, and the queries of the last one.
Nothing is written to the database. Odoo does not load this folder.
"""
import argparse
import statistics
import sys
import time

import odoo
from odoo import SUPERUSER_ID, api, fields
from odoo.tools import config

DASHBOARD_FIELDS = [
    'name', 'color', 'privacy_visibility', 'alias_email', 'use_sla', 'use_rating',
    'open_ticket_count', 'unassigned_ticket_count', 'urgent_ticket_count', 'my_ticket_count',
    'sla_failed_ticket_count', 'dashboard_rating_avg', 'dashboard_graph_data',
]
LIST_FIELDS = [
    'ticket_ref', 'name', 'team_id', 'partner_id', 'user_id', 'priority', 'stage_id', 'is_closed',
    'sla_deadline', 'activity_ids', 'create_date',
]
REPORT_MEASURES = [
    'assign_hours:avg', 'close_hours:avg', 'first_response_hours:avg', 'open_hours:avg',
    'sla_deadline_hours:avg', 'sla_failed_count:sum', 'rating_avg:avg',
]


class Bench:
    def __init__(self, env, repeat):
        self.env = env
        self.repeat = repeat
        self.rows = []

    def measure(self, name, func, user=None):
        cr = self.env.cr
        timings, queries, size = [], 0, ''
        for _run in range(self.repeat):
            cr.execute('SAVEPOINT helpdesk_bench')
            self.env.invalidate_all()
            env = self.env(user=user.id) if user else self.env
            queries_before = cr.sql_log_count
            start = time.perf_counter()
            result = func(env)
            env.flush_all()
            timings.append((time.perf_counter() - start) * 1000)
            queries = cr.sql_log_count - queries_before
            size = result if isinstance(result, (int, str)) else ''
            self.env.invalidate_all()
            cr.execute('ROLLBACK TO SAVEPOINT helpdesk_bench')
        self.rows.append((name, size, min(timings), statistics.median(timings), queries))
        print('%-46s %8s %10.1f %10.1f %8d' % self.rows[-1], flush=True)


def scenarios(bench, env):
    Ticket = env['helpdesk.ticket']
    teams = env['helpdesk.team'].search([])
    admin = env.ref('base.user_admin')
    agent = env['res.users'].search([('login', '=like', 'helpdesk_populate_agent_%')], limit=1) or admin
    sla_teams = teams.filtered(lambda t: t.use_sla and t.sla_ids)
    now = fields.Datetime.now()

    def create_tickets(env, count=1000):
        team_ids = (sla_teams or teams).ids
        partners = env['res.partner'].search([('email', '!=', False)], limit=200).ids or [False]
        env['helpdesk.ticket'].with_context(tracking_disable=True).create([{
            'name': 'Benchmark ticket %s' % n,
            'team_id': team_ids[n % len(team_ids)],
            'priority': str(n % 4),
            'partner_id': partners[n % len(partners)],
        } for n in range(count)])
        return count

    def dashboard(env):
        return env['helpdesk.team'].web_search_read([], {fname: {} for fname in DASHBOARD_FIELDS})['length']

    def sla_cron(env):
        return len(env['helpdesk.sla.status']._cron_fail_overdue())

    def sla_cron_1000_overdue(env):
        env.cr.execute("""
            UPDATE helpdesk_sla_status SET deadline = %s
             WHERE id IN (SELECT id FROM helpdesk_sla_status WHERE status = 'ongoing' LIMIT 1000)
        """, [now.replace(year=now.year - 1)])
        return len(env['helpdesk.sla.status']._cron_fail_overdue())

    def report_by_team(env):
        return len(env['helpdesk.ticket.report.analysis']._read_group([], ['team_id'], ['__count'] + REPORT_MEASURES))

    def report_team_month(env):
        return len(env['helpdesk.ticket.report.analysis']._read_group(
            [], ['team_id', 'create_date:month'], ['__count', 'close_hours:avg', 'sla_failed_count:sum']))

    def sla_status_analysis(env):
        return len(env['helpdesk.sla.status']._read_group([], ['team_id', 'status'], ['__count']))

    def ticket_list(domain):
        def run(env):
            result = env['helpdesk.ticket'].web_search_read(
                domain, {fname: {} for fname in LIST_FIELDS}, limit=80, count_limit=10001)
            return result['length']
        return run

    busiest = env['helpdesk.ticket']._read_group([], ['team_id'], ['__count'], order='__count desc', limit=1)
    busiest_team = busiest[0][0] if busiest else teams[:1]

    def kanban_by_stage(env):
        team = busiest_team
        return len(env['helpdesk.ticket'].web_read_group(
            [('team_id', '=', team.id)], ['stage_id'], ['stage_id'])['groups'])

    def move_stage(env, count=100):
        tickets = env['helpdesk.ticket'].search(
            [('is_closed', '=', False), ('sla_status_ids', '!=', False)], limit=count)
        tickets.write({'stage_id': env.ref('helpdesk_ce.stage_solved').id})
        return len(tickets)

    print('%-46s %8s %10s %10s %8s' % ('scenario', 'records', 'min ms', 'median ms', 'queries'))
    bench.measure('create 1000 tickets (SLA matched, batch)', create_tickets)
    bench.measure('create 1 ticket', lambda env: create_tickets(env, 1))
    bench.measure('dashboard, all teams (manager)', dashboard, admin)
    bench.measure('dashboard, all teams (agent, record rules)', dashboard, agent)
    bench.measure('SLA cron, nothing overdue', sla_cron)
    bench.measure('SLA cron, 1000 overdue', sla_cron_1000_overdue)
    bench.measure('move 100 open tickets to Solved', move_stage)
    bench.measure('report: all measures by team', report_by_team, admin)
    bench.measure('report: team x month', report_team_month, admin)
    bench.measure('SLA status analysis: team x status', sla_status_analysis, admin)
    bench.measure('list: open tickets, first page + count', ticket_list([('is_closed', '=', False)]), agent)
    bench.measure('list: SLA failed', ticket_list([('sla_fail', '=', True)]), agent)
    bench.measure('list: SLA in progress', ticket_list(
        [('is_closed', '=', False), ('sla_status_ids.status', '=', 'ongoing')]), agent)
    bench.measure('list: overdue', ticket_list([('sla_overdue', '=', True)]), agent)
    bench.measure('list: search "printer"', ticket_list([('name', 'ilike', 'printer')]), agent)
    bench.measure('kanban: busiest team by stage', kanban_by_stage, agent)
    print('\n%d tickets, %d SLA statuses, %d teams' % (
        Ticket.search_count([]), env['helpdesk.sla.status'].search_count([]), len(teams)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('-c', '--config', required=True, help="Odoo configuration file")
    parser.add_argument('-d', '--database', help="database (default: db_name of the configuration)")
    parser.add_argument('--repeat', type=int, default=3)
    args = parser.parse_args()
    config.parse_config(['-c', args.config, '--log-level=warn'])
    dbname = args.database or config['db_name']
    if not dbname:
        sys.exit("helpdesk_ce bench: no database given")
    registry = odoo.registry(dbname)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if not env['helpdesk.ticket'].search_count([], limit=1):
            sys.exit("helpdesk_ce bench: %s has no tickets; run `make populate SIZE=large` first" % dbname)
        print('helpdesk_ce benchmarks on %s (%d runs each)\n' % (dbname, args.repeat))
        scenarios(Bench(env, args.repeat), env)
        cr.rollback()


if __name__ == '__main__':
    main()
