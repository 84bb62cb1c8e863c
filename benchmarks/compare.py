#!/usr/bin/env python3
"""helpdesk_ce against OCA helpdesk_mgmt 17.0: the same data, the same workloads, one ratio table.

    make bench                                  # modest sizes, a few minutes
    make bench BENCH_TICKETS=20000 BENCH_CREATES=300 BENCH_MAILS=500 BENCH_BIG=100000

Each addon lives in its own database (`--ce` and `--oca` configuration files, written by `make bench`),
populated the same way the first time (six teams: the three visibility levels of helpdesk_ce, each with 5
and with 50 members; OCA gets the same six teams, it has no visibility levels; tickets spread over the past
year, as in a database in use), then:

- one-by-one creation as the mail gateway and the form do it (a fresh cache and a commit per ticket) into a
  5-member team (helpdesk_ce: automatic `balanced` assignment on), stage templates off, and (helpdesk_ce only,
  OCA sends nothing) with the default acknowledgement email on *New*, then (helpdesk_ce) the job that sends
  those acknowledgements, for all the tickets at once; and 50 of them in one transaction, the ORM cache kept
  from one to the next: the queries per ticket as issue 10 counted them;
- one batch creation;
- the agent's ticket list as the web client loads it (count + first 80 rows, the list view's fields) for an
  agent of each team, for the team's list and for "all tickets": both addons' pages in one process, one
  after the other, run after run, so that what the machine does meanwhile weighs on both alike;
- the portal `/my/tickets` page over HTTP (a server per database, on 127.0.0.1);
- the mail gateway, `message_process` of mails from new senders.

Nothing here is loaded by Odoo. Timings on a shared machine move: each figure is a median of several runs.
"""
import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.tools import SQL, config

HERE = os.path.dirname(os.path.abspath(__file__))
TEAM_SIZES = (5, 50)
VISIBILITIES = ('invited_internal', 'internal', 'portal')
SUBJECTS = ["The printer jams", "Cannot log in", "Invoice is wrong", "Delivery is late", "Refund request",
            "The app crashes", "Password reset", "Wrong item received", "Change my address", "Screen black"]
MAIL = """From: {sender}
To: support@example.com
Subject: {subject}
Message-ID: <{msg_id}@bench.example.com>
Date: Fri, 10 Aug 2012 14:16:26 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hello, {subject}. Please help.
"""


class Addon:
    """What differs between the two addons: model and field names, groups, stages."""
    team_model = 'helpdesk.team'
    members = 'member_ids'
    agent_group = 'helpdesk_ce.group_helpdesk_user'
    ticket_ref = 'ticket_ref'

    def __init__(self, name, conf, port):
        self.name, self.conf, self.port = name, conf, port

    def team_values(self, name, visibility, member_ids):
        return {'name': name, 'privacy_visibility': visibility, 'member_ids': [Command.set(member_ids)],
                'auto_assignment': True, 'assign_method': 'balanced', 'use_sla': False}

    def stages(self, env):
        stages = env['helpdesk.stage'].search([])
        return stages.filtered(lambda s: not s.fold), stages.filtered('fold')

    def templates_off(self, env):
        env['helpdesk.stage'].search([]).write({'template_id': False})

    def templates_default(self, env):
        env.ref('helpdesk_ce.stage_new').template_id = env.ref('helpdesk_ce.mail_template_ticket_received')

    def ticket_values(self, name, team, stage, user, partner):
        return {'name': name, 'team_id': team.id, 'stage_id': stage.id, 'user_id': user.id or False,
                'partner_id': partner.id}


class OcaAddon(Addon):
    team_model = 'helpdesk.ticket.team'
    members = 'user_ids'
    agent_group = 'helpdesk_mgmt.group_helpdesk_user'
    ticket_ref = 'number'

    def team_values(self, name, visibility, member_ids):
        return {'name': name, 'user_ids': [Command.set(member_ids)]}

    def stages(self, env):
        stages = env['helpdesk.ticket.stage'].search([])
        return stages.filtered(lambda s: not s.closed), stages.filtered('closed')

    def templates_off(self, env):
        env['helpdesk.ticket.stage'].search([]).write({'mail_template_id': False})

    def templates_default(self, env):
        pass

    def ticket_values(self, name, team, stage, user, partner):
        return {'name': name, 'description': '<p>%s</p>' % name, 'team_id': team.id, 'stage_id': stage.id,
                'user_id': user.id or False, 'partner_id': partner.id}


@contextmanager
def environment(addon):
    if config.rcfile != addon.conf:  # Odoo parses its configuration once per process
        config.parse_config(['-c', addon.conf, '--log-level=warn'])
    registry = odoo.registry(config['db_name'])
    with registry.cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {})


@contextmanager
def database(conf):
    """An environment on the database of the configuration file ``conf``, in a process that parsed another
    configuration file (whose addons path holds both addons)."""
    with open(conf) as conf_file:
        db_name = re.search(r'^db_name = (.+)$', conf_file.read(), re.M).group(1).strip()
    with odoo.registry(db_name).cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {})


def median_ms(func, repeat):
    timings = []
    for _run in range(repeat):
        start = time.perf_counter()
        func()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


class Bench:
    def __init__(self, addon, args):
        self.addon, self.args = addon, args
        self.results = {}

    def record(self, key, value, unit, queries=None):
        self.results[key] = (value, unit, queries)
        extra = '' if queries is None else ', %.1f queries' % queries
        print('  %-8s %-52s %10.1f %s%s' % (self.addon.name, key, value, unit, extra), flush=True)

    # ------------------------------------------------------------------ population
    def populate(self, env, size):
        addon = self.addon
        param = 'helpdesk_bench.populated'
        if env['ir.config_parameter'].get_param(param) == str(size):
            return
        if env['helpdesk.ticket'].search_count([], limit=1):
            sys.exit("%s: the database holds tickets of another size; drop it first" % config['db_name'])
        print('  %s: populating %s tickets' % (addon.name, size), flush=True)
        group = env.ref(addon.agent_group)
        Users = env['res.users'].with_context(no_reset_password=True, tracking_disable=True)
        teams = env[addon.team_model]
        agents_of = {}
        for visibility in VISIBILITIES:
            for team_size in TEAM_SIZES:
                tag = '%s_%s' % (visibility, team_size)
                agents = Users.create([{
                    'name': 'Agent %s %s' % (tag, n), 'login': 'bench_%s_%s' % (tag, n),
                    'email': 'agent_%s_%s@bench.example.com' % (tag, n), 'groups_id': [Command.set(group.ids)],
                } for n in range(team_size)])
                team = teams.create(addon.team_values('Team %s' % tag, visibility, agents.ids))
                teams |= team
                agents_of[team] = agents
        customer = env['res.partner'].create({'name': 'Bench Customer', 'email': 'customer@bench.example.com'})
        portal = Users.create({
            'name': 'Portal Customer', 'login': 'bench_portal', 'password': 'bench_portal',
            'email': 'portal@bench.example.com', 'groups_id': [Command.set(env.ref('base.group_portal').ids)]})
        open_stages, closed_stages = addon.stages(env)
        team_list = list(teams)
        Ticket = env['helpdesk.ticket'].with_context(tracking_disable=True, mail_create_nolog=True, mail_notrack=True)
        for start in range(0, size, 1000):
            vals = []
            for n in range(start, min(size, start + 1000)):
                team = team_list[n % len(team_list)]
                closed = n % 10 < 8
                stages = closed_stages if closed else open_stages
                agents = agents_of[team]
                vals.append(addon.ticket_values(
                    '%s %s' % (SUBJECTS[n % len(SUBJECTS)], n), team, stages[n % len(stages)],
                    agents[n % len(agents)] if n % 5 else env['res.users'],
                    portal.partner_id if n % 100 == 0 else customer))
            Ticket.create(vals)
            env.flush_all()
            env.invalidate_all()
            env.cr.commit()
            print('  %s: %s tickets' % (addon.name, min(size, start + 1000)), flush=True)
        env['ir.config_parameter'].set_param(param, str(size))
        env.cr.execute('ANALYZE')
        env.cr.commit()

    def multiply(self, env, size):
        """Copies of the populated tickets, in SQL, up to `size`: a large database in seconds, made the same
        way for both addons (followers are not copied: agents see tickets through their teams' rules)."""
        count = env['helpdesk.ticket'].search_count([])
        if count >= size:
            return
        env.cr.execute("""SELECT column_name FROM information_schema.columns
                           WHERE table_name = 'helpdesk_ticket'
                             AND column_name NOT IN ('id', %s, 'access_token')""", [self.addon.ticket_ref])
        columns = ', '.join('"%s"' % row[0] for row in env.cr.fetchall())
        while count < size:
            env.cr.execute("""INSERT INTO helpdesk_ticket (%s) SELECT %s FROM helpdesk_ticket ORDER BY id LIMIT %%s"""
                           % (columns, columns), [min(count, size - count)])
            count += env.cr.rowcount
        env.cr.execute(SQL("UPDATE helpdesk_ticket SET %s = 'HDB' || id WHERE %s IS NULL",
                           SQL.identifier(self.addon.ticket_ref), SQL.identifier(self.addon.ticket_ref)))
        env.cr.execute('ANALYZE')
        env.cr.commit()
        print('  %s: %s tickets' % (self.addon.name, count), flush=True)

    def backdate(self, env):
        """Spread the tickets of the last day (populated, or made by an earlier run) over the past year, as a
        database in use holds them, then vacuum, as autovacuum would in time (index-only scans).

        Every ticket of a database populated minutes ago is in the last two hours, where mail's loop detection
        counts the sender's tickets (``_detect_loop_sender``, off the create_date index in a database in use):
        there it reads them all. OCA's tickets have no primary email, so mail skips that count for them.
        """
        env.cr.execute("UPDATE helpdesk_ticket SET create_date = create_date - (1 + id % 365) * interval '1 day', "
                       "write_date = write_date - (1 + id % 365) * interval '1 day' "
                       "WHERE create_date > now() at time zone 'UTC' - interval '1 day'")
        if not env.cr.rowcount:
            return
        env.cr.commit()
        env.cr._cnx.autocommit = True
        try:
            env.cr.execute('VACUUM ANALYZE helpdesk_ticket')
        finally:
            env.cr._cnx.autocommit = False

    # ------------------------------------------------------------------ workloads
    def teams(self, env):
        return env[self.addon.team_model].search([('name', '=like', 'Team %')], order='id')

    def creation_step(self, env):
        """One ticket created as the gateway and the form do it, into the first team (5 members)."""
        team = self.teams(env)[0]  # private / OCA's first team
        customer = env['res.partner'].search([('email', '=', 'customer@bench.example.com')], limit=1)

        def create(n):
            values = {'name': 'One by one %s' % n, 'team_id': team.id, 'partner_id': customer.id}
            if isinstance(self.addon, OcaAddon):
                values['description'] = '<p>One by one %s</p>' % n
            env['helpdesk.ticket'].create(values)
        return create

    def acknowledgement_job(self, env):
        """helpdesk_ce's job sending the acknowledgements of the tickets just created: its cost per ticket."""
        env.invalidate_all()
        pending = env['helpdesk.ticket'].search_count([('stage_messages_to_send', '=', True)])
        before, start = env.cr.sql_log_count, time.perf_counter()
        env['helpdesk.ticket']._cron_send_stage_messages(limit=max(pending, 1))
        env.flush_all()
        env.cr.commit()
        seconds = time.perf_counter() - start
        self.record('acknowledgement job: %s tickets at once' % pending, pending / seconds, 'tickets/s',
                    (env.cr.sql_log_count - before) / max(pending, 1))

    def gateway_step(self, env):
        """One mail from a new sender, through message_process, into the first team."""
        team = self.teams(env)[0]
        stamp = '%s%s' % (int(time.time()), self.addon.name)

        def receive(n):
            mail = MAIL.format(sender='New Sender %s <sender%s.%s@bench.example.com>' % (n, stamp, n),
                               subject='%s %s' % (SUBJECTS[n % len(SUBJECTS)], n), msg_id='%s-%s' % (stamp, n))
            env['mail.thread'].message_process('helpdesk.ticket', mail, custom_values={'team_id': team.id})
        return receive

    def create_batch(self, env, count):
        addon = self.addon
        team = self.teams(env)[0]
        customer = env['res.partner'].search([('email', '=', 'customer@bench.example.com')], limit=1)
        env.cr.commit()
        env.invalidate_all()
        before = env.cr.sql_log_count
        start = time.perf_counter()
        values = [{'name': 'Batch %s' % n, 'team_id': team.id, 'partner_id': customer.id} for n in range(count)]
        if isinstance(addon, OcaAddon):
            for vals in values:
                vals['description'] = '<p>%s</p>' % vals['name']
        env['helpdesk.ticket'].create(values)
        env.flush_all()
        env.cr.commit()
        elapsed = time.perf_counter() - start
        self.record('create: batch of %s' % count, count / elapsed, 'tickets/s',
                    (env.cr.sql_log_count - before) / count)

    def list_spec(self, env):
        view = env['helpdesk.ticket'].get_views([(False, 'list')])['views']['list']['arch']
        spec = {}
        fields = env['helpdesk.ticket']._fields
        for fname in re.findall(r'<field name="([a-z_0-9]+)"', view):
            field = fields.get(fname)
            if field is None:
                continue
            spec[fname] = {'fields': {'display_name': {}}} if field.relational else {}
        return spec

    def page_functions(self, env, prefix=''):
        """(key, page) for each agent page: the agent's ticket list as the web client loads it."""
        spec = self.list_spec(env)
        for team, visibility, team_size in self.team_matrix(env):
            Ticket = env['helpdesk.ticket'].with_user(team[self.addon.members][-1])
            for label, domain in (('team list', [('team_id', '=', team.id)]), ('all tickets', [])):
                def page(Ticket=Ticket, domain=domain):
                    env.invalidate_all()
                    Ticket.web_search_read(domain, spec, limit=80, count_limit=10001)
                yield '%sagent page, %s, %s members: %s' % (prefix, visibility, team_size, label), page

    def agent_pages(self, env, prefix=''):
        for key, page in self.page_functions(env, prefix):
            page()  # warm the caches of the registry (rules, views)
            self.record(key, median_ms(page, self.args.repeat * 3), 'ms')  # milliseconds: more runs, less noise


    def team_matrix(self, env):
        teams = self.teams(env)
        for team in teams:
            visibility, team_size = team.name.split(' ', 1)[1].rsplit('_', 1)
            yield team, visibility, int(team_size)

    def portal_page(self):
        """GET /my/tickets as the portal customer, over HTTP, on a server of our own."""
        import requests
        port = self.addon.port
        cmd = [sys.executable, os.path.join(os.environ.get('ODOO_HOME', '/opt/odoo17'), 'odoo-bin'),
               '-c', self.addon.conf, '--http-port=%s' % port, '--max-cron-threads=0', '--workers=0',
               '--http-interface=127.0.0.1', '--log-level=warn']
        server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        base = 'http://127.0.0.1:%s' % port
        try:
            session = requests.Session()
            for _try in range(120):
                try:
                    page = session.get(base + '/web/login', timeout=300)
                    break
                except requests.ConnectionError:
                    time.sleep(1)
            else:
                raise RuntimeError('the server on port %s never answered' % port)
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            session.post(base + '/web/login', data={
                'login': 'bench_portal', 'password': 'bench_portal', 'csrf_token': csrf, 'redirect': '/my'})
            response = session.get(base + '/my/tickets')
            response.raise_for_status()
            ms = median_ms(lambda: session.get(base + '/my/tickets').raise_for_status(), self.args.repeat * 3)
            self.record('portal /my/tickets', ms, 'ms')
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def interleaved_pages(benches, envs):
    """The agent pages of both addons, one after the other, run after run: what the machine does meanwhile
    weighs on both alike (measured minutes apart, the same page of the same addon moved by 50 %)."""
    for pairs in zip(*(bench.page_functions(env) for bench, env in zip(benches, envs))):
        timings = [[] for _pair in pairs]
        for _key, page in pairs:
            page()  # warm the caches of the registry (rules, views)
        for _run in range(benches[0].args.repeat * 3):
            for (_key, page), runs in zip(pairs, timings):
                start = time.perf_counter()
                page()
                runs.append((time.perf_counter() - start) * 1000)
        for bench, (key, _page), runs in zip(benches, pairs, timings):
            bench.record(key, statistics.median(runs), 'ms')

def interleaved(benches, envs, steps, key, count, unit):
    """``count`` times each addon's step, one addon after the other, each with a fresh cache and its commit."""
    elapsed, queries = [0.0] * len(benches), [0] * len(benches)
    for env in envs:
        env.cr.commit()
    for n in range(count):
        for index, (env, step) in enumerate(zip(envs, steps)):
            env.invalidate_all()
            before, start = env.cr.sql_log_count, time.perf_counter()
            step(n)
            env.flush_all()
            queries[index] += env.cr.sql_log_count - before
            env.cr.commit()
            elapsed[index] += time.perf_counter() - start
    for bench, seconds, total in zip(benches, elapsed, queries):
        bench.record(key, count / seconds, unit, total / count)


def one_transaction(benches, envs, steps, key, count, unit):
    """``count`` times each addon's step in one transaction, the ORM cache kept between them: the queries per
    ticket as issue 10 counted them (a loop of creations), besides the fresh cache of a request above."""
    for bench, env, step in zip(benches, envs, steps):
        env.cr.commit()
        env.invalidate_all()
        step(0)  # the first one reads what the others find in the cache
        env.flush_all()
        before, start = env.cr.sql_log_count, time.perf_counter()
        for n in range(1, count + 1):
            step(n)
            env.flush_all()
        seconds = time.perf_counter() - start
        bench.record(key, count / seconds, unit, (env.cr.sql_log_count - before) / count)
        env.cr.commit()


def run(addon, args, size):
    """Population, then the portal page (a server of its own on the database)."""
    bench = Bench(addon, args)
    with environment(addon) as env:
        bench.populate(env, min(size, args.orm_size))
        bench.multiply(env, size)
        bench.backdate(env)
    bench.portal_page()
    return bench.results


def run_both(args):
    """The workloads of both addons in one process (OCA's configuration knows both addons), interleaved."""
    config.parse_config(['-c', args.oca, '--log-level=warn'])
    benches = [Bench(Addon('ce', args.ce, 0), args), Bench(OcaAddon('oca', args.oca, 0), args)]
    with database(args.ce) as ce_env, database(args.oca) as oca_env:
        envs = [ce_env, oca_env]
        interleaved_pages(benches, envs)
        for bench, env in zip(benches, envs):
            bench.addon.templates_off(env)
        interleaved(benches, envs, [bench.creation_step(env) for bench, env in zip(benches, envs)],
                    'create: one by one, stage templates off', args.creates, 'tickets/s')
        one_transaction(benches, envs, [bench.creation_step(env) for bench, env in zip(benches, envs)],
                        'create: one by one, one transaction', 50, 'tickets/s')
        # OCA sends nothing: its tickets are created all the same, so that both databases keep the same size
        for bench, env in zip(benches, envs):
            bench.addon.templates_default(env)
        interleaved(benches, envs, [bench.creation_step(env) for bench, env in zip(benches, envs)],
                    'create: one by one, acknowledgement on', args.creates, 'tickets/s')
        benches[0].acknowledgement_job(envs[0])
        for bench, env in zip(benches, envs):
            bench.addon.templates_off(env)
        for bench, env in zip(benches, envs):
            bench.create_batch(env, args.batch)
        interleaved(benches, envs, [bench.gateway_step(env) for bench, env in zip(benches, envs)],
                    'mail gateway: %s mails, new senders' % args.mails, args.mails, 'mails/s')
    return {bench.addon.name: bench.results for bench in benches}


def run_one(args):
    """In a process of its own (Odoo parses its configuration once per process)."""
    import json
    addon_class = OcaAddon if args.run == 'oca' else Addon
    addon = addon_class(args.run, args.config, args.port)
    if args.run == 'both':
        results = run_both(args)
    elif args.run == 'big':
        bench = Bench(addon, args)
        with environment(addon) as env:
            bench.populate(env, min(args.tickets, args.orm_size))
            bench.multiply(env, args.tickets)
            bench.backdate(env)
            bench.agent_pages(env, prefix='%sk: ' % (args.tickets // 1000))
        results = bench.results
    else:
        results = run(addon, args, args.tickets)
    with open(args.out, 'w') as out:
        json.dump(results, out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--ce', help="Odoo configuration of the helpdesk_ce database")
    parser.add_argument('--oca', help="Odoo configuration of the helpdesk_mgmt database")
    parser.add_argument('--big', help="Odoo configuration of a second helpdesk_ce database, --big-size tickets")
    parser.add_argument('--tickets', type=int, default=5000)
    parser.add_argument('--big-size', type=int, default=0)
    parser.add_argument('--creates', type=int, default=100)
    parser.add_argument('--batch', type=int, default=500)
    parser.add_argument('--mails', type=int, default=100)
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--orm-size', type=int, default=5000,
                        help="tickets made through the ORM; more are SQL copies of them")
    parser.add_argument('--run', choices=['ce', 'oca', 'big', 'both'], help=argparse.SUPPRESS)
    parser.add_argument('--config', help=argparse.SUPPRESS)
    parser.add_argument('--port', type=int, help=argparse.SUPPRESS)
    parser.add_argument('--out', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        return run_one(args)
    import json
    import tempfile
    common = ['--orm-size', str(args.orm_size), '--creates', str(args.creates), '--batch', str(args.batch),
              '--mails', str(args.mails),
              '--repeat', str(args.repeat)]
    runs = [('ce', args.ce, args.tickets, 8471), ('oca', args.oca, args.tickets, 8472)]
    if args.big and args.big_size:
        runs.append(('big', args.big, args.big_size, 8473))
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, conf, size, port in runs:
            if not conf:
                continue
            out = os.path.join(tmp, name + '.json')
            subprocess.run([sys.executable, __file__, '--run', name, '--config', conf, '--port', str(port),
                            '--tickets', str(size), '--out', out] + common, check=True)
            with open(out) as result:
                results[name] = json.load(result)
        if args.ce and args.oca:  # the workloads of both, interleaved, first in the table
            out = os.path.join(tmp, 'both.json')
            subprocess.run([sys.executable, __file__, '--run', 'both', '--ce', args.ce, '--oca', args.oca,
                            '--out', out] + common, check=True)
            with open(out) as result:
                both = json.load(result)
            for name, workload_results in both.items():
                results[name] = dict(workload_results, **results[name])
    print('\n%-60s %16s %16s %8s' % ('workload (%s tickets)' % args.tickets, 'helpdesk_ce', 'OCA', 'ratio'))
    for key, (value, unit, queries) in results['ce'].items():
        oca = results.get('oca', {}).get(key)  # with the acknowledgement on: OCA's creation, interleaved
        if oca is None:
            print('%-60s %16s %16s %8s' % (key, fmt(value, unit, queries), '-', '-'))
            continue
        # above 1 helpdesk_ce is better: throughput ours/theirs, time theirs/ours
        ratio = value / oca[0] if unit != 'ms' else oca[0] / value
        print('%-60s %16s %16s %7.2fx' % (key, fmt(value, unit, queries), fmt(*oca), ratio))
    for key, (value, unit, queries) in results.get('big', {}).items():
        print('%-60s %16s %16s %8s' % (key, fmt(value, unit, queries), '-', '-'))


def fmt(value, unit, queries):
    text = '%.1f %s' % (value, {'tickets/s': '/s', 'mails/s': '/s', 'ms': 'ms'}[unit])
    return text + (' %.0fq' % queries if queries is not None else '')


if __name__ == '__main__':
    main()
