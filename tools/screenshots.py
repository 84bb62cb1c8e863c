#!/usr/bin/env python3
"""Take the app page's screenshots (static/description/*.png) from a demo database with headless Chromium.

    make screenshots                      # a fresh demo database on port 8079, then this script
    python tools/screenshots.py --url http://localhost:8069 --db helpdesk_demo [--out static/description]

It logs in over JSON-RPC (admin / admin for the back end, the demo portal customer john / john for the
portal), hands the session cookie to Chromium through the DevTools protocol, opens each page, waits until
the page shows what the picture is about, takes a PNG, and reduces it to a 256-colour palette (Pillow) so
that each file stays well under the Apps store's limits. `--apps-page FILE` also takes the addon's page in
Apps (Module info), to check how Odoo renders static/description/index.html.
"""
import argparse
import base64
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import requests
import websocket
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_BYTES = 300 * 1024


class Browser:
    """Headless Chromium driven through the DevTools protocol, one tab."""

    def __init__(self, width, height):
        self.profile = tempfile.mkdtemp(prefix='helpdesk_ce_shots_')
        binary = shutil.which('chromium') or shutil.which('chromium-browser') or shutil.which('google-chrome')
        if not binary:
            sys.exit("tools/screenshots.py: no chromium on PATH (apt-get install chromium)")
        self.process = subprocess.Popen([
            binary, '--headless=new', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run',
            '--remote-debugging-port=0', '--user-data-dir=%s' % self.profile,
            '--window-size=%s,%s' % (width, height), '--lang=en-US', 'about:blank',
        ], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(self.profile, 'DevToolsActivePort')
        for _attempt in range(100):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.1)
        port = open(port_file).read().split()[0]
        targets = requests.get('http://127.0.0.1:%s/json/list' % port, timeout=10).json()
        page = next(target for target in targets if target['type'] == 'page')
        self.ws = websocket.create_connection(page['webSocketDebuggerUrl'], timeout=60, suppress_origin=True)
        self.next_id = 0
        self.send('Page.enable')
        self.send('Network.enable')
        self.resize(width, height)

    def send(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({'id': self.next_id, 'method': method, 'params': params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get('id') == self.next_id:
                if 'error' in message:
                    raise RuntimeError('%s: %s' % (method, message['error']))
                return message.get('result', {})

    def resize(self, width, height):
        self.send('Emulation.setDeviceMetricsOverride', width=width, height=height, deviceScaleFactor=1,
                  mobile=False)

    def set_session(self, url, session_id):
        self.send('Network.clearBrowserCookies')
        if session_id:
            self.send('Network.setCookie', name='session_id', value=session_id, url=url, path='/')

    def evaluate(self, expression):
        result = self.send('Runtime.evaluate', expression=expression, returnByValue=True, awaitPromise=True)
        if result.get('exceptionDetails'):
            raise RuntimeError('%s: %s' % (expression, result['exceptionDetails']))
        return result.get('result', {}).get('value')

    def wait_for(self, selector, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.evaluate('!!document.querySelector(%s)' % json.dumps(selector)):
                return
            time.sleep(0.3)
        raise RuntimeError('%s never showed %s' % (self.evaluate('location.href'), selector))

    def open(self, url, selector):
        self.send('Page.navigate', url=url)
        time.sleep(1)
        self.wait_for(selector)

    def screenshot(self, path, max_bytes=MAX_BYTES):
        # let the last requests, fonts and animations settle
        self.evaluate('document.fonts.ready.then(() => true)')
        time.sleep(1.5)
        data = base64.b64decode(self.send('Page.captureScreenshot', format='png')['data'])
        image = Image.open(io.BytesIO(data)).convert('RGB')
        image = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        image.save(path, optimize=True)
        size = os.path.getsize(path)
        print('%s: %sx%s, %d KB' % (os.path.relpath(path, ROOT), image.width, image.height, size // 1024))
        if max_bytes and size > max_bytes:
            raise RuntimeError('%s is larger than %d KB' % (path, max_bytes // 1024))

    def close(self):
        try:
            self.ws.close()
        finally:
            self.process.terminate()
            self.process.wait(10)
            shutil.rmtree(self.profile, ignore_errors=True)


class Odoo:
    """JSON-RPC to the demo database."""

    def __init__(self, url, db):
        self.url, self.db = url.rstrip('/'), db

    def login(self, login, password):
        session = requests.Session()
        response = session.post(self.url + '/web/session/authenticate', timeout=60, json={
            'jsonrpc': '2.0', 'method': 'call', 'params': {'db': self.db, 'login': login, 'password': password}})
        if response.json().get('error') or not response.json().get('result', {}).get('uid'):
            sys.exit('tools/screenshots.py: cannot log in as %s on %s' % (login, self.db))
        return session

    def call(self, session, model, method, *args, **kwargs):
        response = session.post(self.url + '/web/dataset/call_kw', timeout=60, json={
            'jsonrpc': '2.0', 'method': 'call',
            'params': {'model': model, 'method': method, 'args': list(args), 'kwargs': kwargs}})
        result = response.json()
        if result.get('error'):
            raise RuntimeError(result['error']['data']['message'])
        return result['result']

    def ref(self, session, xmlid):
        module, name = xmlid.split('.')
        rows = self.call(session, 'ir.model.data', 'search_read', [('module', '=', module), ('name', '=', name)],
                         ['res_id'])
        if not rows:
            sys.exit('tools/screenshots.py: %s is not in %s: install the addon with its demo data' % (xmlid, self.db))
        return rows[0]['res_id']


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--url', default='http://localhost:8069')
    parser.add_argument('--db', required=True)
    parser.add_argument('--out', default=os.path.join(ROOT, 'static', 'description'))
    parser.add_argument('--apps-page', help="also save the addon's Apps page (Module info) to this PNG")
    args = parser.parse_args()
    odoo = Odoo(args.url, args.db)
    admin = odoo.login('admin', 'admin')
    portal = odoo.login('john', 'john')
    ticket = odoo.ref(admin, 'helpdesk_ce.ticket_1')
    duplicate = odoo.ref(admin, 'helpdesk_ce.ticket_31')
    team = odoo.ref(admin, 'helpdesk_ce.helpdesk_team_customer_care')
    out = lambda name: os.path.join(args.out, name)  # noqa: E731
    browser = Browser(1440, 900)
    try:
        browser.set_session(args.url, admin.cookies['session_id'])
        browser.resize(1440, 520)  # the team cards, without the empty page below them
        browser.open(args.url + '/web#action=helpdesk_ce.helpdesk_team_action_dashboard',
                     '.o_kanban_record .o_helpdesk_flow_bar')
        browser.screenshot(out('helpdesk_overview.png'))

        browser.resize(1440, 900)
        browser.open(args.url + '/web#action=helpdesk_ce.helpdesk_ticket_action_all&view_type=kanban',
                     '.o_kanban_group .o_kanban_record .o_field_helpdesk_sla_tags')
        browser.screenshot(out('helpdesk_kanban.png'))

        browser.resize(1680, 900)  # wide enough for Odoo to put the chatter beside the form
        browser.open(args.url + '/web#model=helpdesk.ticket&id=%s&view_type=form' % ticket,
                     '.o-mail-Chatter .o-mail-Message')
        browser.screenshot(out('helpdesk_ticket_form.png'))

        browser.resize(1440, 760)
        browser.open(args.url + '/web#model=helpdesk.ticket&id=%s&view_type=form' % duplicate,
                     'button[name="action_open_merge"]')
        browser.evaluate('document.querySelector(\'button[name="action_open_merge"]\').click()')
        browser.wait_for('.modal .o_field_one2many .o_data_row')
        browser.screenshot(out('helpdesk_merge.png'))

        browser.set_session(args.url, portal.cookies['session_id'])
        browser.resize(1440, 760)
        browser.open(args.url + '/my/tickets/%s' % ticket, '.o_portal_chatter .o_portal_chatter_message')
        browser.screenshot(out('helpdesk_portal_ticket.png'))

        browser.set_session(args.url, None)
        browser.resize(1440, 720)
        browser.open(args.url + '/helpdesk/%s' % team, 'form.o_helpdesk_ticket_form')
        browser.screenshot(out('helpdesk_public_form.png'))

        if args.apps_page:
            module = odoo.call(admin, 'ir.module.module', 'search', [('name', '=', 'helpdesk_ce')])[0]
            browser.set_session(args.url, admin.cookies['session_id'])
            browser.resize(1440, 900)
            browser.open(args.url + '/web#model=ir.module.module&id=%s&view_type=form' % module,
                         '.o_form_view .oe_styling_v8 img')
            # the whole page, as tall as Odoo renders it
            height = browser.evaluate('document.querySelector(".o_content").scrollHeight + 100')
            browser.resize(1440, min(int(height), 12000))
            browser.screenshot(args.apps_page, max_bytes=None)
    finally:
        browser.close()


if __name__ == '__main__':
    main()
