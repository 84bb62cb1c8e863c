from odoo import api, fields, models, tools
from odoo.tools import SQL

from .helpdesk_team import AssignmentRequest

ASSIGNED_TEMPLATE = 'mail.message_user_assigned'


class HelpdeskTicket(models.Model):
    """Who gets a ticket when it is created, who follows it, and how the assignee hears of it.

    Creation is the hot path of a helpdesk (form, portal, mail gateway): the agent is chosen before the
    insert, the assignee and the customer follow the ticket through one insertion of followers (mail's
    auto-subscription), and the "you have been assigned" message, which costs more than the ticket itself,
    is written by a job in batches (``_cron_notify_assignees``, every minute), never inside the request.
    A later reassignment (the form, Action > Assign) notifies at once, as Odoo does.
    """
    _inherit = 'helpdesk.ticket'

    assignee_to_notify = fields.Boolean(
        'Assignee Not Yet Notified', copy=False, readonly=True,
        help="The agent given the ticket at its creation will be told by the next run of the assignment job.")

    def init(self):
        res = super().init()
        # the job reads the few tickets waiting for it among all of them
        tools.create_index(self.env.cr, 'helpdesk_ticket_assignee_to_notify_index', self._table, ['id'],
                           where='assignee_to_notify')
        # each assignment weighs the candidates: their last assignment, their open (balanced) or all (randomly)
        # tickets in the team, read off these rather than off every ticket of the team
        tools.create_index(self.env.cr, 'helpdesk_ticket_assignment_last_index', self._table,
                           ['team_id', 'user_id', 'last_assign_date'], where='active')
        tools.create_index(self.env.cr, 'helpdesk_ticket_assignment_open_index', self._table,
                           ['team_id', 'user_id'], where='active AND is_closed IS NOT TRUE')
        return res

    @api.model
    def _auto_assign_values(self, vals_list):
        """Put the agent of automatic assignment into the values of new tickets, before they are inserted:
        the assignee is then written and subscribed with the creation itself, not by a second write.
        A ticket given an agent (in its values or the context) keeps it.

        :return: True when the assignment must wait for the commit (another transaction assigned in the
            same team meanwhile, see ``helpdesk.team._auto_assign_tickets``)
        """
        default_user = self.env.context.get('default_user_id')
        default_team = self.env.context.get('default_team_id')
        fallback = []

        def team_of(vals):
            if 'team_id' in vals:
                return vals['team_id']
            if not default_team and not fallback:
                fallback.append(self._default_team_id())
            return default_team or fallback[0]

        todo = [(vals, team_of(vals)) for vals in vals_list if not vals.get('user_id', default_user)]
        # records iterated from one recordset each: they read their fields together (the reads the insertion
        # then makes), and no new records are built to weigh the tickets
        teams = {team.id: team for team in self.env['helpdesk.team'].sudo().browse(
            {team for _vals, team in todo if team})}
        Category = self.env['helpdesk.ticket.category'].sudo()
        categories = {category.id: category for category in Category.browse(
            {vals['category_id'] for vals, _team in todo if vals.get('category_id')})}
        # a category naming agents assigns even in a team that does not assign automatically
        todo = [(vals, teams[team]) for vals, team in todo if team and (
            teams[team].auto_assignment or categories.get(vals.get('category_id'), Category).user_ids)]
        if not todo:
            return False
        partners = {partner.id: partner for partner in self.env['res.partner'].sudo().browse(
            {vals['partner_id'] for vals, _team in todo if vals.get('partner_id')})}
        stages = {stage.id: stage for stage in self.env['helpdesk.stage'].sudo().browse(
            {vals['stage_id'] for vals, _team in todo if vals.get('stage_id')})}
        requests = []
        for vals, team in todo:
            partner = partners.get(vals.get('partner_id'), self.env['res.partner'])
            stage = stages.get(vals.get('stage_id')) or team.stage_ids[:1]
            requests.append(AssignmentRequest(
                team, categories.get(vals.get('category_id'), Category), partner.id,
                vals.get('partner_email') or partner.email, stage.fold))
        assigning = self.env['helpdesk.team'].sudo().concat(*{team for _vals, team in todo})
        assignees = assigning._pick_agents(requests, lock=True)
        if assignees is None:
            return True
        for (vals, _team), user in zip(todo, assignees):
            if user:
                vals['user_id'] = user.id
        return False

    @api.model
    def _defer_assignee_notification(self, vals_list):
        """Mark the new tickets whose assignee mail would tell (someone else than the creator); the
        context then keeps mail's auto-subscription from notifying inside the request."""
        ctx = self.env.context
        if ctx.get('tracking_disable') or ctx.get('mail_auto_subscribe_no_notify'):
            return self
        default_user = ctx.get('default_user_id')
        for vals in vals_list:
            user_id = vals.get('user_id', default_user)
            if user_id and user_id != self.env.uid:
                vals['assignee_to_notify'] = True
        return self.with_context(helpdesk_defer_assign_notify=True)

    def _message_auto_subscribe_followers(self, updated_values, default_subtype_ids):
        """The customer follows with the assignee, in mail's single insertion of followers: customer
        subtypes only (never internal ones); by mail, only where ``_mail_gateway_may_follow`` allows. A batch
        creation subscribes its customers afterwards (``_subscribe_team_and_customer``), in one go."""
        res = super()._message_auto_subscribe_followers(updated_values, default_subtype_ids)
        ctx = self.env.context
        if ctx.get('helpdesk_defer_assign_notify'):
            res = [(partner_id, subtypes, False if template == ASSIGNED_TEMPLATE else template)
                   for partner_id, subtypes, template in res]
        partner = self.env['res.partner'].browse(updated_values.get('partner_id')).sudo()
        if ctx.get('helpdesk_customer_follows_later') or not partner:
            return res
        if not ctx.get('helpdesk_mail_gateway') or all(ticket._mail_gateway_may_follow(partner) for ticket in self):
            internal = self.env['mail.message.subtype']._get_auto_subscription_subtypes(self._name)[2]
            res.append((partner.id, set(default_subtype_ids) - set(internal), False))
        return res

    @api.model
    def _cron_notify_assignees(self, limit=500):
        """Tell the agents given new tickets, oldest first, in their language, by the mail queue.

        The tickets are locked (another server's run skips them) and unmarked in the same transaction;
        a ticket reassigned since its creation was unmarked by the reassignment, which notified.
        """
        tickets = self.sudo().search([('assignee_to_notify', '=', True)], order='id', limit=limit)
        tickets = self._lock_skip_locked(tickets)
        queued = tickets.with_context(mail_notify_force_send=False).filtered(lambda t: t.user_id.active)
        for user, group in queued.grouped('user_id').items():
            group.with_context(lang=user.lang)._message_auto_subscribe_notify(user.partner_id.ids, ASSIGNED_TEMPLATE)
        if tickets:
            # not a write: the job is not an activity of the ticket (write date, SLA, reminders)
            self.env.cr.execute(SQL("UPDATE helpdesk_ticket SET assignee_to_notify = FALSE WHERE id IN %s",
                                    tuple(tickets.ids)))
            tickets.invalidate_recordset(['assignee_to_notify'])
        if len(tickets) == limit:
            self.env.ref('helpdesk_ce.ir_cron_notify_assignees')._trigger()
