from odoo import _, api, models
from odoo.exceptions import AccessError


class MailMessage(models.Model):
    """Customers write on tickets through the ticket's chatter only.

    Portal users hold full access rights on mail.message, and the record rules let a ticket's follower
    create messages on it: through plain ``create``/``write`` over RPC they could write any author, subtype,
    date or recipients, or move their messages to another ticket. Every path customers legitimately use
    (``helpdesk.ticket.message_post``, the portal controllers) checks what they post, then runs in sudo.
    """
    _inherit = 'mail.message'

    def _helpdesk_check_share_write(self, model_names):
        if 'helpdesk.ticket' in model_names and not self.env.su and self.env.user.share:
            raise AccessError(_("Customers write on tickets through the ticket's chatter only."))

    @api.model_create_multi
    def create(self, vals_list):
        self._helpdesk_check_share_write({vals.get('model') for vals in vals_list})
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and self.env.user.share:
            self._helpdesk_check_share_write({vals.get('model')} | set(self.sudo().mapped('model')))
        return super().write(vals)
