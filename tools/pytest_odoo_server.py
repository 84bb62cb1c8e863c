"""pytest plugin for the helpdesk_ce suite (loaded with ``-p pytest_odoo_server``).

pytest-odoo loads the registry but serves no HTTP (its ``--odoo-http`` starts and stops a server per
module, which races on Odoo 17). HttpCase and tours need Odoo's threaded server in this very process,
since requests must share the test cursor; this plugin starts it once for the session.

It also makes the suite as strict as Odoo's own runner: an ERROR logged during a test fails it, and a
skipped test (for example a tour without Chromium) counts as a failure.
"""
import builtins
import logging
import socket
import sys
import threading
import time

import pytest

import odoo

_server = None


def _serialize_compile():
    """CPython 3.11 before 3.11.8 keeps the AST conversion's recursion depth in the interpreter, not the
    thread: two server threads compiling at once (QWeb, safe_eval, ast.parse) may fail with "SystemError: AST
    constructor recursion depth mismatch" (python/cpython#106905), which made tours fail at random under
    load. The test server compiles one thing at a time."""
    if sys.version_info >= (3, 11, 8) or getattr(builtins.compile, '_helpdesk_locked', False):
        return
    original, lock = builtins.compile, threading.RLock()

    def compile(*args, **kwargs):  # noqa: A001 - replaces the builtin on purpose
        with lock:
            return original(*args, **kwargs)

    compile._helpdesk_locked = True
    builtins.compile = compile


_serialize_compile()


class _ErrorCollector(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)


_errors = _ErrorCollector()


def _wait_for_port(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(('127.0.0.1', port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"Odoo's HTTP server did not listen on port {port}")


def pytest_sessionstart(session):
    global _server
    if not odoo.tools.config.get('db_name'):
        return
    from odoo.service import server as odoo_server
    _server = odoo_server.ThreadedServer(odoo.http.root)
    _server.http_spawn()
    odoo_server.server = _server
    _wait_for_port(odoo.tools.config['http_port'])
    logging.getLogger().addHandler(_errors)


def pytest_sessionfinish(session):
    logging.getLogger().removeHandler(_errors)
    if _server is not None and getattr(_server, 'httpd', None):
        _server.httpd.shutdown()


def pytest_runtest_setup(item):
    _errors.records.clear()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, 'wasxfail'):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = 'failed'
        report.longrepr = f"skipped, which this suite counts as a failure: {reason}"
    elif call.when == 'teardown' and report.passed and _errors.records:
        messages = "\n".join(_errors.format(r) for r in _errors.records)
        _errors.records.clear()
        report.outcome = 'failed'
        report.longrepr = f"errors were logged during the test:\n{messages}"
