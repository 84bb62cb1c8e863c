from odoo import api, fields, models
from odoo.osv import expression

# "Is a helpdesk agent": the narrowest helpdesk group, which every agent has
HELPDESK_AGENT_GROUP = 'helpdesk_ce.group_helpdesk_user_own'


class ResUsers(models.Model):
    _inherit = 'res.users'

    helpdesk_team_ids = fields.Many2many(
        'helpdesk.team', 'helpdesk_team_member_rel', 'user_id', 'team_id', string='Helpdesk Teams')

    @api.model
    def _helpdesk_agent_domain(self):
        """The users tickets can be assigned to: internal users of the helpdesk agents' group."""
        # the cached xmlid lookup, not env.ref (which checks the group exists): this domain is on the ticket's
        # user_id field, read on every creation
        group_id = self.env['ir.model.data']._xmlid_to_res_id(HELPDESK_AGENT_GROUP)
        return [('groups_id', 'in', group_id), ('share', '=', False)]

    @api.model
    def name_search(self, name='', args=None, operator='ilike', limit=100):
        """With `helpdesk_team_ids_first` (team ids) in the context, the members of these teams come first,
        so that picking an assignee offers the ticket's own team before everyone else."""
        team_ids = self.env.context.get('helpdesk_team_ids_first')
        if not isinstance(team_ids, (list, tuple)):
            return super().name_search(name, args, operator, limit)
        team_ids = [team_id for team_id in team_ids if isinstance(team_id, int) and team_id > 0]
        if not team_ids:
            return super().name_search(name, args, operator, limit)
        members = super().name_search(
            name, expression.AND([args or [], [('helpdesk_team_ids', 'in', team_ids)]]), operator, limit)
        if limit and len(members) >= limit:
            return members
        others = super().name_search(
            name, expression.AND([args or [], [('id', 'not in', [user_id for user_id, _name in members])]]),
            operator, limit and limit - len(members))
        return members + others
