from odoo import api, models


class MailFollowers(models.Model):
    _inherit = 'mail.followers'

    @api.model_create_multi
    def create(self, vals_list):
        """A share partner never follows a helpdesk team, whatever the path (followers widget, RPC, mail's own
        code): a team's followers are subscribed to every new ticket of the team, other customers' included."""
        team_partner_ids = {
            vals['partner_id'] for vals in vals_list
            if vals.get('res_model') == 'helpdesk.team' and vals.get('partner_id')}
        if team_partner_ids:
            share_ids = set(self.env['res.partner'].sudo().browse(team_partner_ids).filtered('partner_share').ids)
            vals_list = [
                vals for vals in vals_list
                if not (vals.get('res_model') == 'helpdesk.team' and vals.get('partner_id') in share_ids)]
        return super().create(vals_list)
