from odoo import _, models
from odoo.exceptions import AccessError


class IrAttachment(models.Model):
    _inherit = 'ir.attachment'

    def validate_access(self, access_token):
        """A non-ASCII token (``/web/content/<id>?access_token=é``) is a wrong token: Odoo's comparison
        (hmac.compare_digest) raises TypeError on it, a server error for a ticket's attachment link."""
        if isinstance(access_token, str) and not access_token.isascii():
            raise AccessError(_("Invalid access token"))
        return super().validate_access(access_token)
