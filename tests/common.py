import re
from contextlib import contextmanager
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.tests.common import HttpCase, TransactionCase, new_test_user

# An email to a team alias, for the mail gateway tests: format() fills the headers
TICKET_MAIL = """Return-Path: {return_path}
To: {to}
cc: {cc}
Received: by mail1.example.com (Postfix, from userid 10002)
    id 5DF9ABFB2A; Fri, 10 Aug 2012 16:16:39 +0200 (CEST)
From: {email_from}
Subject: {subject}
MIME-Version: 1.0
Content-Type: multipart/alternative;
    boundary="----=_Part_4200734_24778174.1344608186754"
Date: Fri, 10 Aug 2012 14:16:26 +0000
Message-ID: {msg_id}
{extra}
------=_Part_4200734_24778174.1344608186754
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

My printer is on fire.

------=_Part_4200734_24778174.1344608186754
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<html><body><p>My printer is on fire.</p><script>alert(1)</script></body></html>
------=_Part_4200734_24778174.1344608186754--
"""


@contextmanager
def captured_statements(cr):
    """The SQL statements ``cr`` runs inside the block, as text, in the list it yields."""
    statements = []
    execute = type(cr).execute

    def spy(cursor, query, params=None, log_exceptions=True):
        statements.append(str(getattr(query, 'code', query)))
        return execute(cursor, query, params, log_exceptions)

    with patch.object(type(cr), 'execute', spy):
        yield statements


class HelpdeskDataMixin:
    """Users of every kind, one team per visibility level, and a helper to make tickets."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False, mail_create_nolog=True))
        cls.company = cls.env.company
        cls.company_2 = cls.env['res.company'].create({'name': 'Other Company'})
        cls.manager = new_test_user(
            cls.env, 'hd_manager', groups='helpdesk_ce.group_helpdesk_manager', name='Helpdesk Manager',
            email='manager@example.com')
        cls.agent = new_test_user(
            cls.env, 'hd_agent', groups='helpdesk_ce.group_helpdesk_user', name='Agent Smith',
            email='agent@example.com')
        cls.agent_2 = new_test_user(
            cls.env, 'hd_agent2', groups='helpdesk_ce.group_helpdesk_user', name='Agent Jones',
            email='agent2@example.com')
        cls.agent_other_company = new_test_user(
            cls.env, 'hd_agent_oc', groups='helpdesk_ce.group_helpdesk_user', name='Agent Far',
            company_id=cls.company_2.id, company_ids=[cls.company_2.id], email='far@example.com')
        cls.internal = new_test_user(cls.env, 'hd_internal', groups='base.group_user', name='Internal Ivy')
        cls.portal = new_test_user(cls.env, 'hd_portal', groups='base.group_portal', name='Portal Paula',
                                   email='paula@example.com')
        cls.portal_2 = new_test_user(cls.env, 'hd_portal2', groups='base.group_portal', name='Portal Pete',
                                     email='pete@example.com')
        cls.stage_new = cls.env.ref('helpdesk_ce.stage_new')
        cls.stage_progress = cls.env.ref('helpdesk_ce.stage_in_progress')
        cls.stage_solved = cls.env.ref('helpdesk_ce.stage_solved')
        cls.stage_cancelled = cls.env.ref('helpdesk_ce.stage_cancelled')
        Team = cls.env['helpdesk.team'].with_context(mail_create_nosubscribe=True)
        cls.team_private = Team.create({'name': 'Private Team', 'privacy_visibility': 'invited_internal'})
        cls.team_company = Team.create({'name': 'Company Team', 'privacy_visibility': 'internal'})
        cls.team_public = Team.create({'name': 'Public Team', 'privacy_visibility': 'portal'})

    @classmethod
    def _create_ticket(cls, team, **values):
        return cls.env['helpdesk.ticket'].create(dict({'name': 'Printer on fire', 'team_id': team.id}, **values))

    @classmethod
    def _run_stage_messages_job(cls):
        """What the cron worker does once a creation triggered it: new tickets get their first stage's messages."""
        cls.env['helpdesk.ticket']._cron_send_stage_messages()


class HelpdeskCommon(HelpdeskDataMixin, TransactionCase):
    pass


class HelpdeskHttpCommon(HelpdeskDataMixin, HttpCase):
    """HelpdeskCommon for HTTP tests and tours."""

    def _csrf_token(self):
        """The CSRF token of the current session (logged in or not), as a page gives it to the browser."""
        response = self.url_open('/web/login' if not self.session or not self.session.uid else '/my')
        return re.search(r'csrf_token: "([^"]+)"', response.text).group(1)


class HelpdeskSLACommon(HelpdeskCommon):
    """A known calendar (Monday to Friday, 9:00-17:00 UTC) on the company team, and a way to travel in time
    that also moves create_date/write_date (they come from the cursor, not from Python's clock)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_waiting = cls.env.ref('helpdesk_ce.stage_waiting')
        cls.calendar = cls._create_calendar('Support hours (UTC)', 'UTC')
        cls.team = cls.team_company
        cls.team.write({'resource_calendar_id': cls.calendar.id, 'use_sla': True, 'member_ids': [(4, cls.agent.id)]})

    @classmethod
    def _create_calendar(cls, name, tz, hour_from=9, hour_to=17):
        return cls.env['resource.calendar'].create({
            'name': name,
            'tz': tz,
            'company_id': cls.company.id,
            'attendance_ids': [(5, 0, 0)] + [(0, 0, {
                'name': 'Day %s' % day,
                'dayofweek': str(day),
                'hour_from': hour_from,
                'hour_to': hour_to,
                'day_period': 'morning',
            }) for day in range(5)],
        })

    @contextmanager
    def _at(self, when):
        """Freeze Python's clock and the cursor's transaction time at `when` (a naive UTC datetime)."""
        when = fields.Datetime.to_datetime(when)
        with freeze_time(when):
            self.env.cr._now = when
            try:
                yield
                # stored computes run at flush: let them see the same clock
                self.env.flush_all()
            finally:
                self.env.cr._now = None

    @classmethod
    def _create_sla(cls, **values):
        return cls.env['helpdesk.sla'].create(dict({
            'name': 'Solve in a day',
            'team_id': cls.team.id,
            'stage_id': cls.stage_solved.id,
            'time': 8,
        }, **values))
