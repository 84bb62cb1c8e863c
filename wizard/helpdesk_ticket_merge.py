from collections import defaultdict

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import is_html_empty


class HelpdeskTicketMerge(models.TransientModel):
    """Merge duplicate tickets into the one kept, moving everything they hold onto it.

    Messages and attachments move by bulk SQL updates, so a merge costs the same number of queries whatever
    the size of the threads. The whole merge runs in a savepoint: it happens entirely or not at all.
    """
    _name = 'helpdesk.ticket.merge'
    _description = 'Merge Helpdesk Tickets'

    ticket_ids = fields.Many2many(
        'helpdesk.ticket', string='Tickets', context={'active_test': False},
        domain="[('merged_into_id', '=', False)]")
    target_ticket_id = fields.Many2one(
        'helpdesk.ticket', 'Merge Into', compute='_compute_target_ticket_id', store=True, readonly=False,
        domain="[('id', 'in', ticket_ids)]",
        help="The ticket kept: the others are merged into it and archived. The oldest one by default.")
    line_ids = fields.One2many(
        'helpdesk.ticket.merge.line', 'wizard_id', 'Similarity', compute='_compute_line_ids', store=True)
    python_similarity = fields.Boolean(compute='_compute_python_similarity')
    mark_duplicate = fields.Boolean(
        help="Mark as Duplicate: the selected ticket goes into an original the user picks among the others.")
    ticket_names = fields.Char('Duplicate', compute='_compute_ticket_names')

    @api.depends('ticket_ids', 'mark_duplicate')
    def _compute_target_ticket_id(self):
        for wizard in self:
            tickets = wizard.ticket_ids._origin
            if wizard.mark_duplicate:
                # the original is another ticket, picked by the user
                if wizard.target_ticket_id._origin in tickets:
                    wizard.target_ticket_id = False
            elif wizard.target_ticket_id._origin not in tickets:
                wizard.target_ticket_id = tickets.sorted(lambda t: (t.create_date, t.id))[:1]

    @api.depends('ticket_ids', 'target_ticket_id')
    def _compute_line_ids(self):
        for wizard in self:
            target = wizard.target_ticket_id._origin
            tickets = wizard.ticket_ids._origin | target
            tickets.check_access_rule('read')
            scores = tickets._get_similarity(target) if target else {}
            # the kept ticket first, then the most similar
            tickets = tickets.sorted(lambda t: (t != target, -scores.get(t.id, 0), t.id))
            wizard.line_ids = [Command.clear()] + [
                Command.create({'ticket_id': ticket.id, 'similarity': scores.get(ticket.id, 0),
                                'is_target': ticket == target})
                for ticket in tickets
            ]

    @api.depends('ticket_ids')
    def _compute_ticket_names(self):
        for wizard in self:
            wizard.ticket_names = ', '.join(wizard.ticket_ids.mapped('display_name'))

    def _compute_python_similarity(self):
        self.python_similarity = not self.env.registry.has_trigram

    # ------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------

    @api.model
    def _check_tickets(self, tickets):
        """Only a user who may write every ticket can merge them, and only within one company."""
        tickets.check_access_rights('write')
        tickets.check_access_rule('write')
        if len(tickets) < 2:
            raise UserError(_("Select at least two tickets to merge."))
        if len(tickets.company_id) > 1:
            raise UserError(_(
                "Tickets of different companies cannot be merged: %s.",
                ", ".join("%s (%s)" % (t.ticket_ref, t.company_id.name) for t in tickets)))
        merged = tickets.filtered('merged_into_id')
        if merged:
            raise UserError(_(
                "These tickets were already merged into another one: %s.", ", ".join(merged.mapped('ticket_ref'))))

    # ------------------------------------------------------------
    # Merge
    # ------------------------------------------------------------

    def action_merge(self):
        self.ensure_one()
        target = self.target_ticket_id
        if not target:
            raise UserError(_("Choose the ticket to keep."))
        # read the selection without record rules: a ticket the user may not see must refuse the merge,
        # not silently drop out of it
        tickets = self.env['helpdesk.ticket'].browse(self.sudo().ticket_ids.ids) | target
        self._check_tickets(tickets)
        others = (tickets - target).sorted(lambda t: (t.create_date, t.id))
        with self.env.cr.savepoint():
            self._merge_tickets(target, others)
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'helpdesk.ticket',
            'res_id': target.id,
            'view_mode': 'form',
            'views': [(False, 'form')],
        }

    def _merge_tickets(self, target, others):
        self._merge_messages(target, others)
        self._merge_attachments(target, others)
        self._merge_activities(target, others)
        self._merge_followers(target, others)
        self._merge_ratings(target, others)
        self._merge_sla_statuses(target, others)
        self._merge_values(target, others)
        self._merge_log_summary(target, others)
        # the summary says it better than an "Archived" tracking line, and costs no query per ticket
        others.with_context(mail_notrack=True).write({'active': False, 'merged_into_id': target.id})
        (target | others).invalidate_recordset()

    def _merge_messages(self, target, others):
        """Every message keeps its author, date and notifications; only its thread changes."""
        self.env['mail.message'].flush_model()
        self.env.cr.execute(
            "UPDATE mail_message SET res_id = %s WHERE model = 'helpdesk.ticket' AND res_id = ANY(%s)",
            [target.id, others.ids])
        self.env['mail.message'].invalidate_model(['res_id'])

    def _merge_attachments(self, target, others):
        """Attachments of the chatter and the description; binary fields of the tickets stay where they are."""
        self.env['ir.attachment'].flush_model()
        self.env.cr.execute(
            "UPDATE ir_attachment SET res_id = %s"
            " WHERE res_model = 'helpdesk.ticket' AND res_id = ANY(%s) AND res_field IS NULL",
            [target.id, others.ids])
        self.env['ir.attachment'].invalidate_model(['res_id'])

    def _merge_activities(self, target, others):
        """Activities, and the meetings scheduled from the tickets (calendar comes with CRM)."""
        domain = [('res_model', '=', 'helpdesk.ticket'), ('res_id', 'in', others.ids)]
        for model in ('mail.activity', 'calendar.event'):
            if model in self.env:
                records = self.env[model].sudo().with_context(active_test=False).search(domain)
                if records:
                    records.write({'res_id': target.id})

    def _merge_followers(self, target, others):
        """The target gets the followers of all tickets (with their subtypes); the merged ones keep theirs."""
        Followers = self.env['mail.followers'].sudo()
        followers = Followers.search([('res_model', '=', 'helpdesk.ticket'), ('res_id', 'in', (target | others).ids)])
        on_target = set(followers.filtered(lambda f: f.res_id == target.id).partner_id.ids)
        subtypes = defaultdict(set)
        for follower in followers:
            if follower.res_id != target.id and follower.partner_id.id not in on_target:
                subtypes[follower.partner_id.id].update(follower.subtype_ids.ids)
        if subtypes:
            Followers._insert_followers(
                'helpdesk.ticket', target.ids, list(subtypes),
                subtypes={partner_id: list(ids) for partner_id, ids in subtypes.items()},
                check_existing=True, existing_policy='skip')

    def _merge_ratings(self, target, others):
        """Ratings follow their ticket into the target's team, and the target's last rating is recomputed."""
        ratings = self.env['rating.rating'].sudo().search(
            [('res_model', '=', 'helpdesk.ticket'), ('res_id', 'in', others.ids)])
        if not ratings:
            return
        ratings.write({
            'res_id': target.id,
            'parent_res_model_id': self.env['ir.model']._get_id('helpdesk.team'),
            'parent_res_id': target.team_id.id,
        })
        self.env.add_to_compute(target._fields['rating_last_value'], target | others)

    def _merge_sla_statuses(self, target, others):
        """One SLA status per policy on the target: it gets the statuses of policies it does not have yet
        (from the oldest merged ticket first); the rest stay with their archived ticket, out of the reports.

        NOTE: `helpdesk.sla.status` (keyed on `ticket_id`) comes with the SLA feature; without it, nothing to do.
        """
        if 'helpdesk.sla.status' not in self.env:
            return
        Status = self.env['helpdesk.sla.status'].sudo()
        statuses = Status.search([('ticket_id', 'in', (target | others).ids)])
        policies = set(statuses.filtered(lambda s: s.ticket_id == target).sla_id.ids)
        moving = Status
        for ticket in others:
            for status in statuses.filtered(lambda s: s.ticket_id == ticket):
                if status.sla_id.id not in policies:
                    policies.add(status.sla_id.id)
                    moving |= status
        if moving:
            moving.write({'ticket_id': target.id})

    def _merge_values(self, target, others):
        """Tags are the union of all tickets'; the others' descriptions are appended under a heading."""
        values = {}
        new_tags = others.tag_ids - target.tag_ids
        if new_tags:
            values['tag_ids'] = [Command.link(tag.id) for tag in new_tags]
        descriptions = [target.description] if not is_html_empty(target.description) else []
        for ticket in others.filtered(lambda t: not is_html_empty(t.description)):
            heading = _("Description of %(reference)s: %(subject)s", reference=ticket.ticket_ref, subject=ticket.name)
            descriptions.append(Markup('<h4>%s</h4>%s') % (heading, ticket.description))
        if len(descriptions) > (0 if is_html_empty(target.description) else 1):
            values['description'] = Markup('').join(descriptions)
        if values:
            target.write(values)

    def _merge_log_summary(self, target, others):
        """A note on the target lists the merged tickets; one on each merged ticket points to the target."""
        links = Markup(', ').join(ticket._get_html_link() for ticket in others)
        target._message_log(body=Markup(_("Merged into this ticket: %s")) % links)
        target_link = target._get_html_link()
        others._message_log_batch(bodies={
            ticket.id: Markup(_("Merged into %s")) % target_link for ticket in others})
