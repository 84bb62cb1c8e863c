"""Checks of what strangers send, made before Odoo's code turns bad input into a server error.

``hmac.compare_digest`` raises on non-ASCII strings and PostgreSQL refuses NUL bytes: a token or a text
that cannot be right is refused here, with the answer a wrong one gets.
"""
import re

from werkzeug.exceptions import NotFound

from odoo.http import request

# Odoo's tokens (uuid4, hexadecimal digests, CSRF "<hex>o<timestamp>") are made of these only
TOKEN_RE = re.compile(r'[A-Za-z0-9_-]{1,512}')
# control characters PostgreSQL or the HTML sanitizer refuse, or nobody types (tab and new lines are fine)
CONTROL_CHARS_RE = re.compile(r'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')
MAX_ID = 2 ** 31 - 1


def is_token(value):
    """Whether ``value`` can be one of Odoo's tokens; anything else matches none."""
    return isinstance(value, str) and bool(TOKEN_RE.fullmatch(value))


def has_control_chars(value):
    return isinstance(value, str) and bool(CONTROL_CHARS_RE.search(value))


def parse_id(value):
    """A database id from a request parameter (int or ASCII digits), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and re.fullmatch(r'[0-9]{1,10}', value):
        value = int(value)
    return value if isinstance(value, int) and 0 < value <= MAX_ID else None


def parse_count(value, default):
    """A non-negative count (limit, offset, page) from a request parameter, ``default`` when it is not one."""
    if isinstance(value, str) and re.fullmatch(r'[0-9]{1,9}', value):
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID else default


def validate_csrf(token):
    """``request.validate_csrf`` that answers False instead of raising on a token that cannot be one."""
    return is_token(token) and request.validate_csrf(token)


def not_found(*path_values):
    """Raise NotFound; when a value taken from the URL's path holds control characters, answer the 404 page
    directly instead: Odoo's 404 handler looks the path up among attachments, and PostgreSQL refuses NUL bytes.
    Callers ``return`` it."""
    if any(has_control_chars(value) for value in path_values):
        return request.render('http_routing.404', status=404)
    raise NotFound()
