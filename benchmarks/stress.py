#!/usr/bin/env python3
"""Load test: tickets through the public form and JSON-RPC into one auto-assigning team, on multi-worker
servers, then the crons of two servers on one database. Traffic to 127.0.0.1 only; bounded; stops by itself.

    make stress                      # STRESS_TICKETS=1000 STRESS_CLIENTS=8

1. One server, ``--workers=4``: STRESS_CLIENTS clients send STRESS_TICKETS tickets, half through the public
   form (a browser's GET for the CSRF token and session, then the POST), half with JSON-RPC ``create`` as an
   agent. Expected: every ticket in the database, no client error, every ticket assigned, assignment
   spread (most - fewest tickets of one agent) <= 1.
2. Scale-out: two servers on the same database, each ``--workers=2`` with cron threads, the same load spread
   over both, while the SLA, auto-close and reminder crons are due on both: the same checks, and no ticket
   closed, logged, failed or reminded twice (one "Closed automatically" line, one reminder activity per
   ticket), every new ticket's assignee told exactly once by the assignee job (one "You have been
   assigned" notice per ticket), and every new ticket's customer acknowledged exactly once by the stage
   messages job (one "we received your request" email per ticket).
"""
import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta

import requests

import odoo
from odoo import SUPERUSER_ID, Command, api, fields
from odoo.tools import config

CRONS = ['helpdesk_ce.ir_cron_helpdesk_sla_fail', 'helpdesk_ce.ir_cron_auto_close_tickets',
         'helpdesk_ce.ir_cron_ticket_reminders', 'helpdesk_ce.ir_cron_notify_assignees',
         'helpdesk_ce.ir_cron_send_stage_messages']
PASSWORD = 'stress-Pa55'


def env_cursor():
    return odoo.registry(config['db_name']).cursor()


def setup(stamp, agents_count=5):
    """A public, auto-assigning team with its form on, its agents, an RPC agent; returns their ids."""
    with env_cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Users = env['res.users'].with_context(no_reset_password=True)
        group = env.ref('helpdesk_ce.group_helpdesk_user')
        agents = Users.create([{
            'name': 'Stress Agent %s %s' % (stamp, n), 'login': 'stress_%s_%s' % (stamp, n),
            'email': 'stress_%s_%s@stress.example.com' % (stamp, n), 'groups_id': [Command.set(group.ids)],
        } for n in range(agents_count)])
        rpc = Users.create({
            'name': 'Stress RPC %s' % stamp, 'login': 'stress_rpc_%s' % stamp, 'password': PASSWORD,
            'email': 'stress_rpc_%s@stress.example.com' % stamp, 'groups_id': [Command.set(group.ids)]})
        team = env['helpdesk.team'].create({
            'name': 'Stress %s' % stamp, 'privacy_visibility': 'portal', 'use_website_helpdesk_form': True,
            'auto_assignment': True, 'assign_method': 'balanced', 'member_ids': [Command.set(agents.ids)],
            'use_sla': True, 'auto_close_ticket': True, 'auto_close_day': 1})
        return team.id, agents.ids, rpc.login


def prepare_cron_work(team_id, count):
    """`count` tickets the auto-close cron must close, `count` SLA statuses the SLA cron must fail and
    `count` tickets of a second team (reminders on, no automatic closing) whose assignee the reminder cron
    must remind; the crons are then due now on every server."""
    with env_cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        team = env['helpdesk.team'].browse(team_id)
        sla = env['helpdesk.sla'].create({
            'name': 'Stress SLA', 'team_id': team_id, 'time': 1.0, 'target_type': 'first_response'})
        reminding = env['helpdesk.team'].create({
            'name': '%s reminders' % team.name, 'privacy_visibility': 'internal', 'use_reminders': True,
            'reminder_hours': 1, 'member_ids': [Command.set(team.member_ids.ids)]})
        Ticket = env['helpdesk.ticket']
        idle = Ticket.create([{'name': 'Idle %s' % n, 'team_id': team_id} for n in range(count)])
        late = Ticket.create([{'name': 'Late %s' % n, 'team_id': team_id} for n in range(count)])
        pending = Ticket.create([{'name': 'Pending %s' % n, 'team_id': reminding.id,
                                  'user_id': team.member_ids[n % len(team.member_ids)].id} for n in range(count)])
        cr.commit()  # tracking messages are written at commit: age them afterwards
        old = fields.Datetime.now() - timedelta(days=10)
        cr.execute("UPDATE helpdesk_ticket SET date_last_stage_update = %s WHERE id IN %s",
                   [old, tuple(idle.ids + pending.ids)])
        cr.execute("UPDATE mail_message SET date = %s WHERE model = 'helpdesk.ticket' AND res_id IN %s",
                   [old, tuple(idle.ids)])
        cr.execute("""UPDATE helpdesk_sla_status SET deadline = %s
                       WHERE sla_id = %s AND ticket_id IN %s AND status = 'ongoing'""",
                   [old, sla.id, tuple(late.ids)])
        crons = env['ir.cron'].browse([env.ref(xmlid).id for xmlid in CRONS])
        crons.write({'interval_number': 1, 'interval_type': 'minutes', 'nextcall': fields.Datetime.now()})
        assert team.auto_close_ticket
        return idle.ids, sla.id, pending.ids


class Client(threading.Thread):
    """One customer after another: even numbers through the form, odd ones through JSON-RPC."""

    def __init__(self, number, bases, team_id, rpc_login, tickets, stamp, errors):
        super().__init__(daemon=True)
        self.number, self.bases, self.team_id, self.rpc_login = number, bases, team_id, rpc_login
        self.tickets, self.stamp, self.errors = tickets, stamp, errors

    def run(self):
        rpc_uid = {}
        for n in self.tickets:
            base = self.bases[n % len(self.bases)]
            subject = 'Stress %s ticket %s' % (self.stamp, n)
            try:
                if n % 2 == 0:
                    self.form(base, subject, n)
                else:
                    self.rpc(base, subject, rpc_uid)
            except Exception as exc:  # noqa: BLE001 - a client error is what we count
                self.errors.append('%s: %s' % (subject, exc))

    def form(self, base, subject, n):
        session = requests.Session()
        page = session.get('%s/helpdesk/%s' % (base, self.team_id), timeout=120)
        page.raise_for_status()
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        response = session.post('%s/helpdesk/%s/submit' % (base, self.team_id), data={
            'csrf_token': csrf, 'partner_name': 'Customer %s %s' % (self.stamp, n),
            'partner_email': 'customer_%s_%s@stress.example.com' % (self.stamp, n),
            'name': subject, 'description': 'Sent by the stress test.',
        }, timeout=120)
        response.raise_for_status()
        if 'o_helpdesk_ticket_ref' not in response.text:
            raise RuntimeError('the form did not confirm the ticket (HTTP %s)' % response.status_code)

    def rpc(self, base, subject, uid_cache):
        def call(service, method, *args):
            response = requests.post(base + '/jsonrpc', json={
                'jsonrpc': '2.0', 'method': 'call', 'id': 1,
                'params': {'service': service, 'method': method, 'args': list(args)}}, timeout=120)
            response.raise_for_status()
            body = response.json()
            if body.get('error'):
                raise RuntimeError(body['error'].get('data', {}).get('message') or body['error'])
            return body['result']
        if base not in uid_cache:
            uid_cache[base] = call('common', 'login', config['db_name'], self.rpc_login, PASSWORD)
        call('object', 'execute_kw', config['db_name'], uid_cache[base], PASSWORD, 'helpdesk.ticket', 'create',
             [{'name': subject, 'team_id': self.team_id, 'partner_email': 'rpc@stress.example.com'}])


def start_server(port, workers, cron_threads):
    for taken in (port, port + 1):
        with socket.socket() as sock:
            if sock.connect_ex(('127.0.0.1', taken)) == 0:
                raise RuntimeError('port %s is taken: is another server still running?' % taken)
    cmd = [sys.executable, os.path.join(os.environ.get('ODOO_HOME', '/opt/odoo17'), 'odoo-bin'),
           '-c', config.rcfile, '--http-interface=127.0.0.1', '--http-port=%s' % port,
           '--gevent-port=%s' % (port + 1), '--workers=%s' % workers, '--max-cron-threads=%s' % cron_threads,
           '--limit-time-real=300', '--limit-time-cpu=300', '--log-level=warn',
           '--logfile=%s' % os.path.join(config['data_dir'], 'stress-%s.log' % port)]
    server = subprocess.Popen(cmd, start_new_session=True)
    for _try in range(180):
        try:
            requests.get('http://127.0.0.1:%s/web/health' % port, timeout=60)
            return server
        except requests.RequestException as exc:
            if server.poll() is not None:
                raise RuntimeError('the server on port %s exited' % port) from exc
            time.sleep(1)
    stop_server(server)
    raise RuntimeError('the server on port %s never answered' % port)


def stop_server(server):
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(server.pid, signal.SIGKILL)


def load(ports, team_id, rpc_login, total, clients, stamp):
    bases = ['http://127.0.0.1:%s' % port for port in ports]
    errors = []
    threads = [Client(c, bases, team_id, rpc_login, range(c, total, clients), stamp, errors) for c in range(clients)]
    start = time.time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=1800)
    elapsed = time.time() - start
    return errors, elapsed


def check(team_id, agent_ids, total, stamp):
    """Tickets found, unassigned ones, spread; waits a little for the assignments made after commit."""
    for _try in range(30):
        with env_cursor() as cr:
            cr.execute("""SELECT count(*), count(*) FILTER (WHERE user_id IS NULL) FROM helpdesk_ticket
                           WHERE team_id = %s AND name LIKE %s""", [team_id, 'Stress %s ticket %%' % stamp])
            found, unassigned = cr.fetchone()
            cr.execute("""SELECT user_id, count(*) FROM helpdesk_ticket WHERE team_id = %s AND name LIKE %s
                           GROUP BY user_id""", [team_id, 'Stress %s ticket %%' % stamp])
            per_agent = Counter(dict(cr.fetchall()))
        if not unassigned:
            break
        time.sleep(1)
    counts = [per_agent.get(agent_id, 0) for agent_id in agent_ids]
    return found, unassigned, max(counts) - min(counts), counts


def cron_checks(idle_ids, sla_id, pending_ids, team_id, stamp, timeout=240):
    """Wait until the crons acted; then count what they did per ticket."""
    deadline = time.time() + timeout
    while True:
        with env_cursor() as cr:
            cr.execute("""SELECT a.res_id, count(*) FROM mail_activity a JOIN ir_model_data d
                             ON d.model = 'mail.activity.type' AND d.res_id = a.activity_type_id
                             AND d.module = 'helpdesk_ce' AND d.name = 'mail_activity_type_ticket_reminder'
                           WHERE a.res_model = 'helpdesk.ticket' AND a.res_id IN %s GROUP BY a.res_id""",
                       [tuple(pending_ids)])
            reminders = dict(cr.fetchall())
            cr.execute("""SELECT t.id, count(m.id) FROM helpdesk_ticket t
                           LEFT JOIN mail_message m ON m.model = 'helpdesk.ticket' AND m.res_id = t.id
                            AND m.message_type = 'user_notification'
                          WHERE t.team_id = %s AND t.name LIKE %s GROUP BY t.id""",
                       [team_id, 'Stress %s ticket %%' % stamp])
            notices = dict(cr.fetchall())
            cr.execute("""SELECT t.id, count(m.id) FROM helpdesk_ticket t
                          LEFT JOIN mail_message m ON m.model = 'helpdesk.ticket' AND m.res_id = t.id
                           AND m.message_type = 'comment' AND m.subject LIKE '%%we received your request'
                          WHERE t.team_id = %s AND t.name LIKE %s GROUP BY t.id""",
                       [team_id, 'Stress %s ticket %%' % stamp])
            acknowledgements = dict(cr.fetchall())
            cr.execute("""SELECT res_id, count(*) FROM mail_message WHERE model = 'helpdesk.ticket'
                           AND res_id IN %s AND body::text LIKE '%%Closed automatically%%' GROUP BY res_id""",
                       [tuple(idle_ids)])
            closed_lines = dict(cr.fetchall())
            cr.execute("SELECT count(*) FILTER (WHERE status = 'failed'), count(*) FROM helpdesk_sla_status "
                       "WHERE sla_id = %s AND deadline < now() at time zone 'UTC' - interval '1 day'", [sla_id])
            failed, late = cr.fetchone()
            cr.execute("SELECT count(*) FROM helpdesk_ticket WHERE id IN %s AND NOT is_closed", [tuple(idle_ids)])
            still_open = cr.fetchone()[0]
        done = not still_open and failed == late and len(reminders) == len(pending_ids) \
            and all(notices.values()) and all(acknowledgements.values())
        if done or time.time() > deadline:
            break
        time.sleep(5)
    return {
        'auto-closed': len(idle_ids) - still_open, 'to close': len(idle_ids),
        'tickets logged twice': sum(1 for count in closed_lines.values() if count > 1),
        'SLA failed': failed, 'SLA to fail': late,
        'reminded': len(reminders), 'to remind': len(pending_ids),
        'tickets reminded twice': sum(1 for count in reminders.values() if count > 1),
        'assignees told': sum(1 for count in notices.values() if count), 'tickets': len(notices),
        'assignees told twice': sum(1 for count in notices.values() if count > 1),
        'customers acknowledged': sum(1 for count in acknowledgements.values() if count),
        'customers acknowledged twice': sum(1 for count in acknowledgements.values() if count > 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('-c', '--config', required=True)
    parser.add_argument('--tickets', type=int, default=1000)
    parser.add_argument('--clients', type=int, default=8)
    parser.add_argument('--port', type=int, default=8480)
    parser.add_argument('--cron-tickets', type=int, default=100)
    args = parser.parse_args()
    config.parse_config(['-c', args.config, '--log-level=warn'])
    failures = []

    def report(name, errors, elapsed, found, unassigned, spread, counts):
        print('%s: %s tickets in %.0f s (%.1f/s), %s client errors, %s found, %s unassigned, spread %s %s' % (
            name, args.tickets, elapsed, args.tickets / elapsed, len(errors), found, unassigned, spread, counts))
        for error in errors[:10]:
            print('  client error:', error)
        if errors or found != args.tickets or unassigned or spread > 1:
            failures.append(name)

    # 1. one server, four workers
    stamp = 'a%s' % int(time.time())
    team_id, agent_ids, rpc_login = setup(stamp)
    server = start_server(args.port, workers=4, cron_threads=0)
    try:
        errors, elapsed = load([args.port], team_id, rpc_login, args.tickets, args.clients, stamp)
    finally:
        stop_server(server)
    report('one server --workers=4, %s clients' % args.clients, errors, elapsed,
           *check(team_id, agent_ids, args.tickets, stamp))

    # 2. two servers, one database, crons on both
    stamp = 'b%s' % int(time.time())
    team_id, agent_ids, rpc_login = setup(stamp)
    idle_ids, sla_id, pending_ids = prepare_cron_work(team_id, args.cron_tickets)
    ports = [args.port + 6, args.port + 12]
    servers = []
    try:
        servers = [start_server(port, workers=2, cron_threads=2) for port in ports]
        errors, elapsed = load(ports, team_id, rpc_login, args.tickets, args.clients, stamp)
        crons = cron_checks(idle_ids, sla_id, pending_ids, team_id, stamp)
    finally:
        for server in servers:
            stop_server(server)
    report('two servers --workers=2 each, crons on both', errors, elapsed,
           *check(team_id, agent_ids, args.tickets, stamp))
    print('crons on two servers: %s' % crons)
    if crons['tickets logged twice'] or crons['auto-closed'] != crons['to close'] \
            or crons['SLA failed'] != crons['SLA to fail'] or crons['tickets reminded twice'] \
            or crons['reminded'] != crons['to remind'] or crons['assignees told twice'] \
            or crons['assignees told'] != crons['tickets'] or crons['customers acknowledged twice'] \
            or crons['customers acknowledged'] != crons['tickets']:
        failures.append('crons')
    print('stress: %s' % ('FAILED: %s' % ', '.join(failures) if failures else 'all checks passed'))
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
