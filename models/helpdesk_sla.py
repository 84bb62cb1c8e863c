from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .helpdesk_ticket import TICKET_PRIORITIES
from .resource_calendar import MAX_PLANNING_DAYS

# working hours an SLA policy may allow: planned on a 40-hour week, it stays within the planning window
SLA_MAX_HOURS = 5000
assert SLA_MAX_HOURS / 40 * 7 < MAX_PLANNING_DAYS


class HelpdeskSLA(models.Model):
    _name = 'helpdesk.sla'
    _description = 'Helpdesk SLA Policy'
    _order = 'team_id, time, id'

    name = fields.Char('SLA Policy', required=True, translate=True)
    description = fields.Text(translate=True)
    active = fields.Boolean(default=True)
    team_id = fields.Many2one('helpdesk.team', 'Helpdesk Team', required=True, index=True, ondelete='cascade')
    company_id = fields.Many2one(related='team_id.company_id', store=True, index=True, readonly=True)
    target_type = fields.Selection([
        ('stage', 'Reaching a stage'),
        ('first_response', 'First response to the customer'),
    ], string='Target', required=True, default='stage',
        help="Reaching a stage: the ticket enters the target stage or a later stage of its team.\n"
             "First response: an agent posts the first public reply (automatic emails do not count).")
    stage_id = fields.Many2one(
        'helpdesk.stage', 'Target Stage', ondelete='restrict', domain="[('team_ids', '=', team_id)]",
        help="The policy is reached when the ticket enters this stage or a later one.")
    exclude_stage_ids = fields.Many2many(
        'helpdesk.stage', 'helpdesk_sla_exclude_stage_rel', 'sla_id', 'stage_id', string='Excluded Stages',
        domain="[('team_ids', '=', team_id)]",
        help="The clock stops while the ticket is in these stages, for example while waiting on the customer.")
    priority = fields.Selection(
        TICKET_PRIORITIES, help="Applies only to tickets of this priority; empty applies to every priority.")
    tag_ids = fields.Many2many(
        'helpdesk.tag', 'helpdesk_sla_tag_rel', 'sla_id', 'tag_id', string='Tags',
        help="Applies only to tickets with at least one of these tags.")
    category_ids = fields.Many2many(
        'helpdesk.ticket.category', 'helpdesk_sla_category_rel', 'sla_id', 'category_id', string='Categories',
        help="Applies only to tickets of one of these categories.")
    partner_ids = fields.Many2many(
        'res.partner', 'helpdesk_sla_partner_rel', 'sla_id', 'partner_id', string='Customers',
        help="Applies only to tickets of these customers (or of contacts of these companies).")
    time = fields.Float(
        'Within', required=True, default=8.0,
        help="Working hours allowed to reach the target, on the team's working calendar, counted from the "
             "ticket's creation.")
    status_ids = fields.One2many('helpdesk.sla.status', 'sla_id', string='Statuses')

    @api.constrains('time')
    def _check_time(self):
        if any(sla.time <= 0 for sla in self):
            raise ValidationError(_("An SLA policy needs a positive number of working hours."))
        too_long = self.filtered(lambda sla: sla.time > SLA_MAX_HOURS)
        if too_long:
            raise ValidationError(_(
                "An SLA policy allows at most %(max)s working hours (%(policy)s asks for %(hours)s).",
                max=SLA_MAX_HOURS, policy=too_long[0].name, hours=too_long[0].time))

    @api.constrains('target_type', 'stage_id', 'exclude_stage_ids')
    def _check_target(self):
        for sla in self:
            if sla.target_type == 'stage' and not sla.stage_id:
                raise ValidationError(_("The SLA policy %s needs a target stage.", sla.name))
            if sla.stage_id in sla.exclude_stage_ids:
                raise ValidationError(_("The target stage of the SLA policy %s cannot stop its clock.", sla.name))

    @api.onchange('target_type')
    def _onchange_target_type(self):
        if self.target_type == 'first_response':
            self.stage_id = False

    def write(self, vals):
        res = super().write(vals)
        if {'time', 'exclude_stage_ids', 'stage_id'} & vals.keys():
            # open tickets follow the new target; closed ones keep the figures they were measured on
            ongoing = self.env['helpdesk.sla.status'].sudo().search([
                ('sla_id', 'in', self.ids), ('status', '=', 'ongoing')])
            ongoing._sync_with_stage()
            ongoing.filtered(lambda s: s.status == 'ongoing' and not s.paused_since)._recompute_deadline()
        return res

    def unlink(self):
        # through the ORM, so that the tickets' deadline and failed flag follow (a database cascade would not)
        self.env['helpdesk.sla.status'].sudo().search([('sla_id', 'in', self.ids)]).unlink()
        return super().unlink()

    # ------------------------------------------------------------
    # Matching and the clock
    # ------------------------------------------------------------

    def _matches(self, ticket):
        """Whether the policy applies to the ticket: each criterion set on the policy must hold."""
        self.ensure_one()
        partner = ticket.partner_id
        return (
            self.team_id == ticket.team_id
            and (not self.priority or self.priority == ticket.priority)
            and (not self.tag_ids or bool(self.tag_ids & ticket.tag_ids))
            and (not self.category_ids or ticket.category_id in self.category_ids)
            and (not self.partner_ids or bool(partner and (partner | partner.commercial_partner_id) & self.partner_ids))
        )

    def _is_stage_reached(self, stage):
        """The target stage, or a stage after it in the sequence of stages."""
        self.ensure_one()
        target = self.stage_id
        return bool(self.target_type == 'stage' and target and stage
                    and (stage.sequence, stage.id) >= (target.sequence, target.id))

    def _is_clock_stopped(self, stage):
        """Excluded stages stop the clock; a closed ticket awaits no first response either."""
        self.ensure_one()
        return stage in self.exclude_stage_ids or (self.target_type == 'first_response' and stage.fold)
