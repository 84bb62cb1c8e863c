from odoo import _, api, models
from odoo.exceptions import AccessError


class MailComposeMessage(models.TransientModel):
    """Customers reply to tickets from the portal chatter, never through the mail composer.

    Portal users hold access rights on the composer; on a ticket it would let them pick recipients, an
    author, a sender address or a template, and send mass mailings. Trusted code in sudo is not concerned.
    """
    _inherit = 'mail.compose.message'

    def _helpdesk_check_share_composer(self, model_names):
        if 'helpdesk.ticket' in model_names and not self.env.su and self.env.user.share:
            raise AccessError(_("Customers reply to tickets from the portal, not through the mail composer."))

    @api.model_create_multi
    def create(self, vals_list):
        context = self.env.context
        self._helpdesk_check_share_composer(
            {vals.get('model') for vals in vals_list} | {context.get('default_model'), context.get('active_model')})
        composers = super().create(vals_list)
        self._helpdesk_check_share_composer(set(composers.mapped('model')))
        return composers

    def write(self, vals):
        self._helpdesk_check_share_composer({vals.get('model')} | set(self.mapped('model')))
        return super().write(vals)

    def onchange(self, values, field_names, fields_spec):
        context = self.env.context
        model_names = {values.get('model'), context.get('default_model'), context.get('active_model')}
        if values.get('parent_id') and isinstance(values['parent_id'], int):
            model_names.add(self.env['mail.message'].sudo().browse(values['parent_id']).exists().model)
        self._helpdesk_check_share_composer(model_names | set(self._origin.mapped('model')))
        return super().onchange(values, field_names, fields_spec)

    def _action_send_mail(self, auto_commit=False):
        self._helpdesk_check_share_composer(set(self.mapped('model')))
        return super()._action_send_mail(auto_commit=auto_commit)
