import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import requests

import odoo
from odoo.tests import BaseCase, tagged
from odoo.tools import config


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@tagged('post_install', '-at_install')
class TestMultiWorkerServer(BaseCase):
    """Odoo's prefork mode, as production runs it: HTTP workers and the gevent (bus/websocket) process
    must start from the project's virtualenv."""

    def test_prefork_server_with_gevent_process(self):
        http_port, gevent_port = _free_port(), _free_port()
        odoo_bin = os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), 'odoo-bin')
        with tempfile.NamedTemporaryFile(suffix='.log') as log:
            cmd = [
                sys.executable, odoo_bin, '-c', config.rcfile, '-d', config['db_name'],
                '--db-filter=^%s$' % config['db_name'], '--workers=2', '--max-cron-threads=0',
                '--http-interface=127.0.0.1', '--http-port=%s' % http_port, '--gevent-port=%s' % gevent_port,
                '--logfile=%s' % log.name, '--log-level=warn',
            ]
            server = subprocess.Popen(cmd, start_new_session=True)
            try:
                self.assertEqual(self._wait_for(http_port, server).status_code, 200)
                # the gevent process serves the same application on its own port (websockets, bus)
                self.assertEqual(self._wait_for(gevent_port, server).status_code, 200)
                self.assertIsNone(server.poll(), "the server stopped")
            finally:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=60)
            with open(log.name, encoding='utf-8', errors='replace') as logfile:
                errors = [line for line in logfile if ' ERROR ' in line or ' CRITICAL ' in line
                          or 'DistributionNotFound' in line]
            self.assertFalse(errors, "the multi-worker server logged errors")

    def _wait_for(self, port, server, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if server.poll() is not None:
                self.fail("the server exited with %s" % server.returncode)
            try:
                return requests.get('http://127.0.0.1:%s/web/health' % port, timeout=60)
            except requests.RequestException:  # not listening yet, or still loading
                time.sleep(0.5)
        self.fail("nothing answered on port %s" % port)
