"""Generated input against the routes strangers and customers reach: never a server error, never a half-made ticket.

A short, seeded run is part of the suite; ``HELPDESK_FUZZ_EXAMPLES=500`` (``make fuzz``) runs the long one.
"""
import json
import logging
import operator
import os
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from odoo.tests import tagged
from odoo.tools import config, mute_logger

from .common import HelpdeskHttpCommon
from .test_bad_input import JSON_REFUSALS, BadInputMixin

_logger = logging.getLogger(__name__)

# Hypothesis keeps caches in ./.hypothesis: not in the addon's folder, which Odoo walks
set_hypothesis_home_dir(Path(config['data_dir']) / 'hypothesis')

FUZZ_EXAMPLES = int(os.environ.get('HELPDESK_FUZZ_EXAMPLES') or 25)
FUZZ = settings(max_examples=FUZZ_EXAMPLES, derandomize=True, database=None, deadline=None, print_blob=False,
                suppress_health_check=list(HealthCheck))
COUNTERS = {}  # test name -> examples run, printed at the end of each test

SPECIAL = [
    '', ' ', '\x00', 'a\x00b', '\x01\x1f\x7f', 'é' * 40, 'éo', '\ufeff', '\u202e', '\U0001d573' * 10,
    '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', "' OR 1=1 --", '%s%s%n', '{{7*7}}', '${7*7}',
    '../../etc/passwd', '\r\n\r\nX-Injected: 1', '0', '-1', '9' * 30, 'null', 'true', '[]', '{}', '\t\n\r',
    'a@b', 'a@b.c, d@e.f', '"a b"@example.com', 'x' * 300,
]


def huge(min_len=1000, max_len=30000):
    return st.builds(operator.mul, st.sampled_from(['x', 'é', '\x00', '\U0001d573', '<b>', ' ', '\n']),
                     st.integers(min_len, max_len))


def texts(max_size=60, huge_max=30000):
    return st.one_of(st.text(max_size=max_size), st.sampled_from(SPECIAL), huge(max_len=huge_max))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | texts(huge_max=5000),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=8)
MISSING = object()


class FuzzMixin(BadInputMixin):

    def _count_example(self):
        COUNTERS[self._testMethodName] = COUNTERS.get(self._testMethodName, 0) + 1

    def tearDown(self):
        super().tearDown()
        if self._testMethodName in COUNTERS:
            _logger.info('%s: %s generated inputs', self._testMethodName, COUNTERS[self._testMethodName])

    def _max_id(self, model):
        self.env.flush_all()
        self.env.cr.execute('SELECT COALESCE(MAX(id), 0) FROM %s' % self.env[model]._table)
        return self.env.cr.fetchone()[0]


@tagged('post_install', '-at_install')
class TestFuzzForm(FuzzMixin, HelpdeskHttpCommon):
    """The public form submit, as a visitor: urlencoded, multipart, broken multipart and raw bodies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_public.use_website_helpdesk_form = True
        cls.env['ir.config_parameter'].set_param('helpdesk_ce.form_max_attachment_size', '4000')
        cls.submit_url = '/helpdesk/%s/submit' % cls.team_public.id

    def setUp(self):
        super().setUp()
        self.authenticate(None, None)
        self.csrf = self._csrf_token()

    FIELD = {
        'partner_name': st.one_of(st.just('Vera Visitor'), texts()),
        'partner_email': st.one_of(st.just('vera@visitor.example.com'), st.emails(), texts()),
        'name': st.one_of(st.just('Cannot log in'), texts(max_size=250)),
        'description': st.one_of(st.just('Since this morning.'), texts(huge_max=25000)),
        'contact_website': st.one_of(st.just(MISSING), texts()),
    }
    FILES = st.lists(st.tuples(
        st.one_of(st.sampled_from([b'a.txt', b'scan.pdf', b'', b'\x00', b'..\\..\\x.exe', b'\xff\xfe', b'a"b.html']),
                  st.binary(max_size=30)),
        st.one_of(st.binary(max_size=300), st.sampled_from([b'<svg onload=alert(1)>', b'x' * 5000]))), max_size=7)

    @FUZZ
    @given(
        fields=st.fixed_dictionaries({key: st.one_of(st.just(MISSING), value) for key, value in FIELD.items()}),
        csrf=st.sampled_from(['valid', 'valid', 'valid', 'missing', 'garbage']),
        garbage_csrf=texts(max_size=20, huge_max=2000),
        files=FILES,
        encoding=st.sampled_from(['urlencoded', 'multipart', 'multipart', 'broken', 'raw']),
        cut=st.integers(0, 5000),
        # a multipart Content-Type without a boundary fails in werkzeug 2.2's parser before any route is reached
        raw=st.tuples(st.binary(max_size=3000), st.sampled_from([
            'application/json', 'multipart/form-data; boundary=hdBoundary7MA4YWxk', 'text/plain',
            'application/x-www-form-urlencoded', 'multipart/form-data; boundary=\x7f\x00', 'x/y; charset=ébc'])),
    )
    @mute_logger('odoo.http')
    def test_fuzz_form_submit(self, fields, csrf, garbage_csrf, files, encoding, cut, raw):
        self._count_example()
        data = {key: value for key, value in fields.items() if value is not MISSING}
        if csrf == 'valid':
            data['csrf_token'] = self.csrf
        elif csrf == 'garbage':
            data['csrf_token'] = garbage_csrf
        headers = None
        if encoding == 'urlencoded':
            body = data
        elif encoding == 'raw':
            body, headers = raw[0], {'Content-Type': raw[1].encode('utf-8').decode('latin-1')}
        else:
            body, headers = self._multipart(data, [('attachments', name, content) for name, content in files])
            if encoding == 'broken':
                body = body[:cut]
        before, max_ticket, max_partner = self._counts(), self._max_id('helpdesk.ticket'), self._max_id('res.partner')
        max_attachment = self._max_id('ir.attachment')
        response = self.url_open(self.submit_url, data=body or b'', headers=headers)
        self.assertLess(response.status_code, 500)
        after = self._counts()
        if 'o_helpdesk_ticket_done' not in response.text:
            self.assertEqual(after, before, "a refused request creates nothing")
            return
        self.assertEqual(response.status_code, 200)
        ticket = self.env['helpdesk.ticket'].search([('id', '>', max_ticket)])
        self.assertEqual(len(ticket), 1, "one ticket per accepted request")
        self.assertEqual(after['helpdesk.ticket'], before['helpdesk.ticket'] + 1)
        # a complete ticket: in the team, with its reference, stage, customer, subject and description
        self.assertEqual(ticket.team_id, self.team_public)
        self.assertTrue(ticket.ticket_ref and ticket.ticket_ref in response.text)
        self.assertTrue(ticket.stage_id and ticket.company_id)
        self.assertEqual(ticket.name, data['name'].strip())
        self.assertTrue(ticket.description)
        self.assertTrue(ticket.partner_id.email)
        self.assertIn(ticket.partner_id, ticket.message_partner_ids)
        new_partners = self.env['res.partner'].search([('id', '>', max_partner)])
        self.assertLessEqual(new_partners, ticket.partner_id, "at most the customer is created")
        new_attachments = self.env['ir.attachment'].sudo().search([('id', '>', max_attachment)])
        self.assertTrue(all(a.res_model == 'helpdesk.ticket' and a.res_id == ticket.id for a in new_attachments))
        self.assertLessEqual(len(new_attachments), 5)


@tagged('post_install', '-at_install')
class TestFuzzPortal(FuzzMixin, HelpdeskHttpCommon):
    """The portal reply (Odoo's chatter post on a ticket, by token and as the portal customer) and the portal
    list's search, filters, sort, group-by and pages."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket = cls._create_ticket(cls.team_public, name='Paula printer jam', partner_id=cls.portal.partner_id.id)
        cls.other = cls._create_ticket(
            cls.team_public, name='Pete lost his keys', partner_id=cls.portal_2.partner_id.id)
        cls.closed = cls._create_ticket(cls.team_public, name='Old request', partner_id=cls.portal.partner_id.id,
                                        stage_id=cls.stage_solved.id)
        cls.internal = cls._create_ticket(cls.team_company, name='Paula internal', partner_id=cls.portal.partner_id.id)
        cls.token = cls.ticket._portal_ensure_token()

    CHATTER_PARAMS = st.fixed_dictionaries({
        'message': st.one_of(st.just('Any news?'), texts(huge_max=20000), JSON_VALUES),
        'res_id': st.one_of(st.just('ticket'), st.just('ticket'), st.just('other'), JSON_VALUES),
        # res_model, res_id and message are always sent: Odoo's JSON dispatcher answers a missing argument of
        # any route, and an unknown model, with a server error (TypeError, KeyError), whatever the addon
        'res_model': st.just('helpdesk.ticket'),
        'token': st.one_of(st.just('valid'), st.just('valid'), st.just(MISSING), texts(huge_max=2000), JSON_VALUES),
    }, optional={
        'pid': JSON_VALUES, 'hash': JSON_VALUES, 'attachment_ids': JSON_VALUES, 'attachment_tokens': JSON_VALUES,
        'rating_value': JSON_VALUES, 'rating_feedback': JSON_VALUES, 'author_id': JSON_VALUES,
        'subtype_xmlid': st.sampled_from(['mail.mt_note', 'mail.mt_comment']), 'message_type': JSON_VALUES,
        'partner_ids': JSON_VALUES, 'body': JSON_VALUES, 'domain': JSON_VALUES,
    })

    def _fuzz_chatter_post(self, params, raw):
        self._count_example()
        params = {key: value for key, value in params.items() if value is not MISSING}
        if params.get('token') == 'valid':
            params['token'] = self.token
        params['res_id'] = {'ticket': self.ticket.id, 'other': self.other.id}.get(params['res_id'], params['res_id']) \
            if isinstance(params['res_id'], str) else params['res_id']
        body = json.dumps({'jsonrpc': '2.0', 'method': 'call', 'id': 1, 'params': params}).encode()
        if raw is not None:
            # broken JSON: cut short, or garbage in front (a whole body without params fails in Odoo's JSON
            # dispatcher, a TypeError for every route, before any route is reached)
            body = body[:raw] if isinstance(raw, int) else raw + body
        before = self._counts()
        followers = (self.ticket | self.other).message_follower_ids
        max_message = self._max_id('mail.message')
        response = self.url_open('/mail/chatter_post', data=body, headers={'Content-Type': 'application/json'})
        self.assertLess(response.status_code, 500)
        after = self._counts()
        self.assertEqual((self.ticket | self.other).message_follower_ids, followers, "posting adds no follower")
        try:
            answer = response.json()
        except ValueError:
            answer = {'error': {'data': {'name': 'not json'}}}
        if answer.get('error') or not (answer.get('result') or {}).get('default_message_id'):
            if answer.get('error'):
                self.assertIn(answer['error']['data']['name'], JSON_REFUSALS | {'not json'},
                              "refused as a client error")
            self.assertEqual(after, before, "a refused post creates nothing")
            return
        # one public message on a ticket the poster may write to, by the customer, nothing else
        message = self.env['mail.message'].search([('id', '>', max_message), ('model', '=', 'helpdesk.ticket')])
        self.assertEqual(len(message), 1)
        self.assertEqual(after['mail.message'], before['mail.message'] + 1)
        self.assertEqual(after['helpdesk.ticket'], before['helpdesk.ticket'])
        self.assertEqual(after['res.partner'], before['res.partner'])
        self.assertEqual(after['rating.rating'], before['rating.rating'], "no rating through the chatter")
        self.assertEqual(message.res_id, self.ticket.id, "only the customer's own ticket")
        self.assertEqual(message.author_id, self.portal.partner_id)
        self.assertFalse(message.subtype_id.internal)
        self.assertFalse(message.partner_ids, "nobody is notified by name")
        self.assertEqual(message.message_type, 'comment')

    RAW = st.one_of(st.none(), st.none(), st.none(), st.integers(0, 200), st.binary(min_size=1, max_size=500))

    @FUZZ
    @given(params=CHATTER_PARAMS, raw=RAW)
    @mute_logger('odoo.http')
    def test_fuzz_chatter_post_by_token(self, params, raw):
        if getattr(self, 'session', None) is None or self.session.uid:
            self.authenticate(None, None)
        self._fuzz_chatter_post(params, raw)

    @FUZZ
    @given(params=CHATTER_PARAMS, raw=RAW)
    @mute_logger('odoo.http', 'odoo.models', 'odoo.addons.base.models.ir_rule')
    def test_fuzz_chatter_post_as_customer(self, params, raw):
        if getattr(self, 'session', None) is None or not self.session.uid:
            self.authenticate('hd_portal', 'hd_portal')
        self._fuzz_chatter_post(params, raw)

    LIST_KEYS = ['search', 'search_in', 'sortby', 'filterby', 'groupby', 'page', 'access_token', 'debug']
    LIST_VALUES = st.one_of(
        st.sampled_from(['all', 'name', 'ref', 'content', 'date', 'update', 'stage', 'team', 'none', 'open',
                         'closed', 'printer', 'HD', '1', '2']),
        texts(max_size=40, huge_max=1500))

    @FUZZ
    @given(params=st.dictionaries(st.one_of(st.sampled_from(LIST_KEYS), st.text(max_size=10).filter(
               lambda key: key not in ('self', ''))), LIST_VALUES, max_size=7),
           page=st.one_of(st.none(), st.integers(0, 10 ** 12)))
    def test_fuzz_portal_list(self, params, page):
        self._count_example()
        if getattr(self, 'session', None) is None or not self.session.uid:
            self.authenticate('hd_portal', 'hd_portal')
        url = self.base_url() + ('/my/tickets' if page is None else '/my/tickets/page/%s' % page)
        before = self._counts()
        response = self.opener.get(url, params=params, timeout=30)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self._counts(), before)
        listed = {int(ticket_id) for ticket_id in re.findall(r'/my/tickets/(\d+)', response.text)}
        self.assertLessEqual(listed, {self.ticket.id, self.closed.id}, "only the customer's tickets of public teams")
