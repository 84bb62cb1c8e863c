from werkzeug.exceptions import Forbidden

from odoo import http
from odoo.http import request
from odoo.osv import expression

from odoo.addons.portal.controllers.mail import PortalChatter

TICKET_MODEL = 'helpdesk.ticket'


class HelpdeskPortalChatter(PortalChatter):
    """The portal chatter of a ticket opened with its token shows exactly what its customer sees, whoever holds the
    token (Odoo hides internal notes only from non-employees), and only where a token may open the ticket."""

    def _helpdesk_check_chatter_token(self, res_id, kw):
        """Refuse a token (or a signed hash) that may not open the ticket: wrong, revoked, private team, merged."""
        try:
            ticket = request.env[TICKET_MODEL].browse(int(res_id)).sudo().exists()
        except (TypeError, ValueError, OverflowError):
            raise Forbidden() from None
        if not ticket:
            raise Forbidden()
        if kw.get('token') and not ticket._portal_check_token(kw['token']):
            raise Forbidden()
        if kw.get('hash') and kw.get('pid') and not ticket._portal_token_allowed():
            raise Forbidden()

    @http.route()
    def portal_message_fetch(self, res_model, res_id, domain=False, limit=10, offset=0, **kw):
        if res_model == TICKET_MODEL and kw.get('token'):
            self._helpdesk_check_chatter_token(res_id, kw)
            domain = expression.AND([domain or [], request.env['mail.message']._get_search_domain_share()])
        return super().portal_message_fetch(res_model, res_id, domain=domain, limit=limit, offset=offset, **kw)

    @http.route()
    def portal_chatter_post(self, res_model, res_id, message, attachment_ids=None, attachment_tokens=None, **kw):
        if res_model == TICKET_MODEL and (kw.get('token') or kw.get('hash')):
            self._helpdesk_check_chatter_token(res_id, kw)
        return super().portal_chatter_post(
            res_model, res_id, message, attachment_ids=attachment_ids, attachment_tokens=attachment_tokens, **kw)
