import json
from contextlib import contextmanager

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import HelpdeskHttpCommon

NUL = 'a\x00b'
ACCENTED = 'é' * 40
# rpartition('o') gives an empty timestamp: Odoo goes on to compare the non-ASCII part
ACCENTED_CSRF = 'éo'
# what a JSON route may answer with when it refuses: a client error, never a Python or SQL error
JSON_REFUSALS = {
    'werkzeug.exceptions.BadRequest', 'werkzeug.exceptions.Forbidden', 'werkzeug.exceptions.NotFound',
    'odoo.exceptions.AccessError', 'odoo.exceptions.MissingError', 'odoo.exceptions.UserError',
    'odoo.exceptions.ValidationError',
}


class BadInputMixin:
    """Counting what a request may have created, and telling a refusal from a server error."""

    def _counts(self):
        self.env.flush_all()
        self.env.invalidate_all()
        return {
            model: self.env[model].sudo().with_context(active_test=False).search_count([])
            for model in ('helpdesk.ticket', 'res.partner', 'ir.attachment', 'mail.message', 'rating.rating')
        }

    @contextmanager
    def _creates_nothing(self, label=''):
        before = self._counts()
        yield
        self.assertEqual(self._counts(), before, "%s: nothing is created" % label)

    @staticmethod
    def _multipart(fields, files=(), boundary=b'hdBoundary7MA4YWxk'):
        """A multipart/form-data body built by hand, byte for byte (requests would encode file names).

        :param fields: {name: str}; :param files: [(field name, file name as bytes, content bytes)]
        :return: (body, headers)
        """
        body = b''
        for name, value in fields.items():
            body += b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (
                boundary, name.encode(), value.encode('utf-8', 'surrogatepass'))
        for name, filename, content in files:
            body += (b'--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n'
                     b'Content-Type: application/octet-stream\r\n\r\n%s\r\n') % (
                        boundary, name.encode(), filename, content)
        body += b'--%s--\r\n' % boundary
        return body, {'Content-Type': 'multipart/form-data; boundary=%s' % boundary.decode()}

    def _jsonrpc(self, url, params):
        """:return: (result, error name): the error name is False when the call succeeded"""
        response = self.url_open(url, data=json.dumps({'id': 0, 'jsonrpc': '2.0', 'method': 'call', 'params': params}),
                                 headers={'Content-Type': 'application/json'})
        self.assertLess(response.status_code, 500, url)
        body = response.json()
        if 'error' in body:
            return None, body['error']['data']['name']
        return body.get('result'), False

    def _assert_refused_json(self, url, params, label):
        __, error = self._jsonrpc(url, params)
        self.assertIn(error, JSON_REFUSALS, "%s: refused as a client error, not a server error" % label)
        return error


@tagged('post_install', '-at_install')
class TestBadInput(BadInputMixin, HelpdeskHttpCommon):
    """Finding 12: malformed input to our routes, and to Odoo's routes on tickets, answers 4xx or the page
    again, never an HTTP 500, and creates nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_public.write({'use_website_helpdesk_form': True, 'allow_portal_ticket_closing': True,
                               'use_rating': True, 'rating_publish': True, 'member_ids': [(4, cls.agent.id)]})
        cls.ticket = cls._create_ticket(cls.team_public, partner_id=cls.portal.partner_id.id, user_id=cls.agent.id)
        cls.token = cls.ticket._portal_ensure_token()
        cls.rating_token = cls.ticket._rating_get_access_token()
        cls.message = cls.ticket.with_user(cls.agent).message_post(
            body='We are on it', message_type='comment', subtype_xmlid='mail.mt_comment',
            attachments=[('answer.txt', b'PUBLIC')])
        cls.submit_url = '/helpdesk/%s/submit' % cls.team_public.id
        cls.ticket_url = '/my/tickets/%s' % cls.ticket.id

    def _form_data(self, **values):
        data = {'partner_name': 'Vera Visitor', 'partner_email': 'vera@visitor.example.com', 'name': 'Cannot log in',
                'description': 'Since this morning.', 'csrf_token': self._csrf_token()}
        data.update(values)
        return data

    # ------------------------------------------------------------
    # Public form
    # ------------------------------------------------------------

    def test_form_non_ascii_csrf_token(self):
        self.authenticate(None, None)
        for token in (ACCENTED_CSRF, ACCENTED, 'é' + 'o9999999999'):
            with self.subTest(token=token), self._creates_nothing('csrf %r' % token):
                response = self.url_open(self.submit_url, data=self._form_data(csrf_token=token))
                self.assertEqual(response.status_code, 400)
                self.assertIn('Your session expired', response.text)

    def test_form_nul_in_fields(self):
        for login in (None, 'hd_portal'):
            self.authenticate(login, login)
            fields = ('name', 'description') if login else ('partner_name', 'partner_email', 'name', 'description')
            for field in fields:
                for value in (NUL, 'x\x01y', '\x00'):
                    with self.subTest(login=login, field=field, value=value), self._creates_nothing(field):
                        response = self.url_open(self.submit_url, data=self._form_data(**{field: value}))
                        self.assertEqual(response.status_code, 400)
                        self.assertIn('o_helpdesk_ticket_form', response.text, "the form comes back")
                        self.assertNotIn('\x00', response.text)

    def test_form_nul_in_file_name(self):
        """A file name is not typed: its control characters are dropped, the request goes through."""
        self.authenticate(None, None)
        body, headers = self._multipart(self._form_data(), [('attachments', b'scan\x00\x01.pdf', b'%PDF-1.4')])
        response = self.url_open(self.submit_url, data=body, headers=headers)
        self.assertEqual(response.status_code, 200)
        ticket = self.env['helpdesk.ticket'].search([('name', '=', 'Cannot log in')])
        self.assertEqual(ticket.message_ids.attachment_ids.mapped('name'), ['scan.pdf'])

    @mute_logger('odoo.http')
    def test_team_key_with_nul(self):
        self.authenticate(None, None)
        for url in ('/helpdesk/a%00b', '/helpdesk/%00', '/helpdesk/a%00b/ratings', '/helpdesk/x-1%00'):
            with self.subTest(url=url):
                self.assertEqual(self.url_open(url).status_code, 404)
        with self._creates_nothing():
            response = self.url_open('/helpdesk/a%00b/submit', data=self._form_data())
            self.assertEqual(response.status_code, 404)

    # ------------------------------------------------------------
    # Portal page, close, list
    # ------------------------------------------------------------

    def test_ticket_page_malformed_token(self):
        self.authenticate(None, None)
        for token in (ACCENTED, NUL, 'x' * 5000, self.token + 'é'):
            with self.subTest(token=token):
                response = self.opener.get(self.base_url() + self.ticket_url, params={'access_token': token},
                                           allow_redirects=False, timeout=12)
                self.assertEqual(response.status_code, 303, "treated as a wrong token")
                self.assertTrue(response.headers['Location'].endswith('/my'))

    @mute_logger('odoo.http')
    def test_close_malformed_tokens(self):
        self.authenticate(None, None)
        csrf = self._csrf_token()
        for token in (ACCENTED, NUL, self.token + 'é'):
            with self.subTest(token=token):
                response = self.url_open(self.ticket_url + '/close', data={'access_token': token, 'csrf_token': csrf})
                self.assertEqual(response.status_code, 404)
        for login in (None, 'hd_portal'):
            self.authenticate(login, login)
            for csrf_token in (ACCENTED_CSRF, ACCENTED, NUL):
                with self.subTest(login=login, csrf_token=csrf_token):
                    response = self.url_open(self.ticket_url + '/close', data={
                        'access_token': self.token, 'csrf_token': csrf_token})
                    self.assertEqual(response.status_code, 400)
        self.assertFalse(self.ticket.is_closed)

    def test_list_bad_parameters(self):
        self.authenticate('hd_portal', 'hd_portal')
        cases = [
            {'search': NUL}, {'search': '\x00'}, {'search': NUL, 'search_in': 'ref'}, {'search_in': NUL},
            {'sortby': NUL}, {'filterby': NUL}, {'groupby': NUL}, {'page': '²'}, {'page': NUL}, {'page': '-1'},
            {'page': '9' * 30}, {'search': 'é' * 500}, {'search': '%_\\'}, {'search': '\ud7ff\U0010ffff'},
        ]
        for params in cases:
            with self.subTest(params=params):
                response = self.opener.get(self.base_url() + '/my/tickets', params=params, timeout=12)
                self.assertEqual(response.status_code, 200)
        response = self.opener.get(self.base_url() + '/my/tickets', params={'search': NUL}, timeout=12)
        self.assertNotIn('/my/tickets/%s"' % self.ticket.id, response.text, "a NUL byte matches no ticket")
        self.assertEqual(self.url_open('/my/tickets/page/%s' % ('9' * 30)).status_code, 200)

    # ------------------------------------------------------------
    # Odoo's portal chatter on tickets
    # ------------------------------------------------------------

    @mute_logger('odoo.http')
    def test_chatter_fetch_bad_parameters(self):
        base = {'res_model': 'helpdesk.ticket', 'res_id': self.ticket.id, 'limit': 10}
        for login in (None, 'hd_portal'):
            self.authenticate(login, login)
            for params in ({'token': ACCENTED}, {'token': NUL}, {'token': self.token + 'é'}, {'res_id': 'abc'},
                           {'res_id': '9' * 25}, {'res_id': None}, {'res_id': [1]}, {'domain': 'abc'},
                           {'domain': [['no_such_field', '=', 1]]}, {'domain': [['id', '=', 'abc']]},
                           {'domain': ['|', ['id', '=', 1]]}):
                with self.subTest(login=login, params=params):
                    self._assert_refused_json('/mail/chatter_fetch', dict(base, **params), str(params))
            # counts that are not counts fall back to the defaults
            for params in ({'limit': 'abc'}, {'offset': -1}, {'limit': None, 'offset': 'x'}):
                with self.subTest(login=login, params=params):
                    result, error = self._jsonrpc('/mail/chatter_fetch', dict(base, token=self.token, **params))
                    self.assertFalse(error)
                    self.assertIn('messages', result)

    @mute_logger('odoo.http')
    def test_chatter_post_bad_parameters(self):
        base = {'res_model': 'helpdesk.ticket', 'res_id': self.ticket.id, 'message': 'Any news?'}
        pid = str(self.portal.partner_id.id)
        for login in (None, 'hd_portal'):
            self.authenticate(login, login)
            for params in (
                {'token': ACCENTED}, {'token': NUL}, {'res_id': 'abc'}, {'res_id': '9' * 25},
                {'token': self.token, 'res_id': '9' * 25}, {'token': self.token, 'pid': 'abc', 'hash': 'abc'},
                {'pid': pid, 'hash': ACCENTED}, {'pid': pid, 'hash': NUL},
                {'token': self.token, 'attachment_ids': 'abc'}, {'token': self.token, 'attachment_ids': ['9' * 25]},
                {'token': self.token, 'attachment_ids': [self.message.attachment_ids.id],
                 'attachment_tokens': [ACCENTED]},
                {'token': self.token, 'message': {'a': 1}},
                {'token': self.token, 'rating_value': '5'}, {'token': self.token, 'rating_value': 'abc'},
            ):
                with self.subTest(login=login, params=params), self._creates_nothing(str(params)):
                    self._assert_refused_json('/mail/chatter_post', dict(base, **params), str(params))

    def test_chatter_post_control_characters_dropped(self):
        self.authenticate(None, None)
        result, error = self._jsonrpc('/mail/chatter_post', {
            'res_model': 'helpdesk.ticket', 'res_id': self.ticket.id, 'message': 'Any\x00 news\x01?',
            'token': self.token})
        self.assertFalse(error)
        message = self.env['mail.message'].browse(result['default_message_id'])
        self.assertEqual(message.body, '<p>Any news?</p>')
        self.assertEqual(message.author_id, self.portal.partner_id)

    def test_message_avatar_malformed_token(self):
        self.authenticate(None, None)
        url = self.base_url() + '/mail/avatar/mail.message/%s/author_avatar/50x50' % self.message.id
        for params in ({'access_token': ACCENTED}, {'access_token': NUL}, {'_hash': ACCENTED, 'pid': '1'},
                       {'_hash': 'abc', 'pid': 'abc'}, {'_hash': NUL, 'pid': NUL}):
            with self.subTest(params=params):
                self.assertEqual(self.opener.get(url, params=params, timeout=12).status_code, 200)

    def test_mail_view_malformed_token(self):
        self.authenticate(None, None)
        for token in (ACCENTED, NUL):
            with self.subTest(token=token):
                response = self.opener.get(self.base_url() + '/mail/view', params={
                    'model': 'helpdesk.ticket', 'res_id': self.ticket.id, 'access_token': token}, timeout=12)
                self.assertEqual(response.status_code, 200)
                self.assertNotIn(self.ticket.name, response.text)

    @mute_logger('odoo.http', 'odoo.addons.base.models.ir_attachment')
    def test_attachment_malformed_token(self):
        attachment = self.message.attachment_ids
        for login in (None, 'hd_portal'):
            self.authenticate(login, login)
            for token in (ACCENTED, NUL):
                for route in ('/web/content/%s', '/web/image/%s', '/web/content/%s?download=true'):
                    url = self.base_url() + route % attachment.id
                    with self.subTest(login=login, token=token, route=route):
                        response = self.opener.get(url, params={'access_token': token}, timeout=12)
                        self.assertIn(response.status_code, (200, 403, 404))
                        self.assertNotIn(b'PUBLIC', response.content)

    # ------------------------------------------------------------
    # Rating links of our emails (Odoo's rating routes)
    # ------------------------------------------------------------

    @mute_logger('odoo.http')
    def test_rating_links_bad_input(self):
        self.authenticate(None, None)
        for url in ('/rate/a%00b/5', '/rate/%C3%A9%C3%A9/5', '/rate/a%00b/submit_feedback'):
            with self.subTest(url=url), self._creates_nothing(url):
                self.assertEqual(self.url_open(url).status_code, 404)
        for rate in (0, 2, 4, 10, 99999):
            with self.subTest(rate=rate), self._creates_nothing('rate %s' % rate):
                self.assertEqual(self.url_open('/rate/%s/%s' % (self.rating_token, rate)).status_code, 400)
        feedback_url = '/rate/%s/submit_feedback' % self.rating_token
        csrf = self._csrf_token()
        for data in ({'rate': 'abc', 'csrf_token': csrf}, {'rate': '4', 'csrf_token': csrf},
                     {'rate': '5', 'csrf_token': ACCENTED_CSRF}, {'rate': '5', 'csrf_token': NUL}):
            with self.subTest(data=data):
                self.assertEqual(self.url_open(feedback_url, data=data).status_code, 400)
        self.assertFalse(self.ticket.rating_ids.filtered('consumed'))
        response = self.url_open(feedback_url, data={'rate': '5', 'feedback': 'Gre\x00at', 'csrf_token': csrf})
        self.assertEqual(response.status_code, 200)
        rating = self.ticket.rating_ids
        self.assertEqual((rating.rating, rating.feedback, rating.consumed), (5, 'Great', True))
