import psycopg2
from werkzeug.exceptions import BadRequest, Forbidden

from odoo import _, http
from odoo.http import request
from odoo.osv import expression
from odoo.tools import mute_logger

from odoo.addons.portal.controllers.mail import MailController, PortalChatter

from .utils import CONTROL_CHARS_RE, is_token, parse_count, parse_id

TICKET_MODEL = 'helpdesk.ticket'


class HelpdeskPortalChatter(PortalChatter):
    """Odoo's portal chatter on tickets.

    - A ticket opened with its token shows exactly what its customer sees, whoever holds the token (Odoo hides
      internal notes only from non-employees), and only where a token may open the ticket.
    - Parameters that cannot be right are refused (400) or taken for a wrong token (403) before Odoo's code
      turns them into a server error. Other models are left as Odoo has them.
    """

    def _helpdesk_chatter_check(self, res_id, kw):
        """:return: the ticket id; raise BadRequest or Forbidden on malformed parameters or a token (or signed
        hash) that may not open the ticket: wrong, revoked, of a team that is not public, merged."""
        ticket_id = parse_id(res_id)
        if not ticket_id:
            raise BadRequest(_("Unknown ticket."))
        for key in ('token', 'hash'):
            if kw.get(key) and not is_token(kw[key]):
                raise Forbidden()
        if kw.get('pid') and not parse_id(kw['pid']):
            raise Forbidden()
        if kw.get('token') or kw.get('hash'):
            ticket = request.env[TICKET_MODEL].sudo().browse(ticket_id).exists()
            if not ticket or not ticket._portal_token_allowed():
                raise Forbidden()
            if kw.get('token') and not ticket._portal_check_token(kw['token']):
                raise Forbidden()
        return ticket_id

    def _helpdesk_chatter_domain(self, ticket_id, domain):
        """The extra domain the portal's rating filter sends, if it is a valid one on messages."""
        if not domain:
            return []
        if not isinstance(domain, list):
            raise BadRequest(_("Invalid filter."))
        Message = request.env['mail.message'].sudo()
        try:
            # parse and run it on nothing: bad fields, operators and values fail here, in a savepoint, and
            # are not logged as the server's own bad queries
            with mute_logger('odoo.sql_db'), request.env.cr.savepoint():
                Message.search_count(expression.AND([domain, [('id', '=', 0)]]))
        except (ValueError, TypeError, AssertionError, KeyError, IndexError, psycopg2.Error):
            raise BadRequest(_("Invalid filter.")) from None
        return domain

    @http.route()
    def portal_avatar(self, res_id=None, height=50, width=50, access_token=None, _hash=None, pid=None):
        # a token, hash or partner id that cannot be one gives the placeholder, as a wrong one does
        if (access_token and not is_token(access_token)) or (_hash and not is_token(_hash)) \
                or (pid and not parse_id(pid)):
            access_token = _hash = pid = None
        return super().portal_avatar(res_id=res_id, height=height, width=width, access_token=access_token,
                                     _hash=_hash, pid=pid)

    @http.route()
    def portal_message_fetch(self, res_model, res_id, domain=False, limit=10, offset=0, **kw):
        if res_model == TICKET_MODEL:
            res_id = self._helpdesk_chatter_check(res_id, kw)
            domain = self._helpdesk_chatter_domain(res_id, domain)
            if kw.get('token'):
                domain = expression.AND([domain, request.env['mail.message']._get_search_domain_share()])
            limit = parse_count(limit, 10)
            offset = parse_count(offset, 0)
        return super().portal_message_fetch(res_model, res_id, domain=domain, limit=limit, offset=offset, **kw)

    @http.route()
    def portal_chatter_post(self, res_model, res_id, message, attachment_ids='', attachment_tokens='', **kw):
        if res_model == TICKET_MODEL:
            res_id = self._helpdesk_chatter_check(res_id, kw)
            if message and not isinstance(message, str):
                raise BadRequest(_("Invalid message."))
            if message:
                message = CONTROL_CHARS_RE.sub('', message)
            # tickets are rated through the link of the rating email, once per request, not by chatter posts
            if any(kw.get(key) for key in ('rating_value', 'rating_feedback', 'rating_id')):
                raise BadRequest(_("Tickets are rated through the link of the rating email."))
            attachment_ids = attachment_ids or []
            attachment_tokens = attachment_tokens or []
            if not isinstance(attachment_ids, list) or not all(parse_id(aid) for aid in attachment_ids):
                raise BadRequest(_("Invalid attachments."))
            attachment_ids = [parse_id(aid) for aid in attachment_ids]
            if not isinstance(attachment_tokens, list) or not all(
                    is_token(token) or not token for token in attachment_tokens):
                raise BadRequest(_("Invalid attachments."))
        return super().portal_chatter_post(
            res_model, res_id, message, attachment_ids=attachment_ids, attachment_tokens=attachment_tokens, **kw)


class HelpdeskMailController(MailController):
    """``/mail/view`` (the links of notification emails): a token that cannot be one is a wrong one."""

    @classmethod
    def _redirect_to_record(cls, model, res_id, access_token=None, **kwargs):
        if access_token and not is_token(access_token):
            access_token = None
        return super()._redirect_to_record(model, res_id, access_token=access_token, **kwargs)
