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

    def _insert_followers(self, res_model, res_ids, partner_ids, subtypes=None, customer_ids=None,
                          check_existing=True, existing_policy='skip'):
        """Tickets being created by someone mail does not subscribe (the form's visitor, the mail gateway, a
        job) have no follower yet when mail subscribes their assignee, customer and team followers: the
        lookup of existing followers is skipped (see ``helpdesk.ticket.create``)."""
        if res_model == 'helpdesk.ticket' and self.env.context.get('helpdesk_creating_without_followers'):
            check_existing = False
        return super()._insert_followers(
            res_model, res_ids, partner_ids, subtypes=subtypes, customer_ids=customer_ids,
            check_existing=check_existing, existing_policy=existing_policy)
