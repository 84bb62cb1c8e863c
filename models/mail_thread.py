from odoo import api, models


class MailThread(models.AbstractModel):
    _inherit = 'mail.thread'

    @api.model
    def message_route(self, message, message_dict, model=None, thread_id=None, custom_values=None):
        """Tickets also take replies that only carry their reference in the subject."""
        routes = super().message_route(
            message, message_dict, model=model, thread_id=thread_id, custom_values=custom_values)
        return self.env['helpdesk.ticket']._mail_gateway_reroute(message_dict, routes)

    def _message_route_process(self, message, message_dict, routes):
        """Mark the gateway's work on tickets: mail is unauthenticated (see helpdesk.ticket._message_subscribe)."""
        if any(route[0] == 'helpdesk.ticket' for route in routes):
            self = self.with_context(helpdesk_mail_gateway=True)
        return super()._message_route_process(message, message_dict, routes)
