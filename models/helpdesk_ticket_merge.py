import logging
from collections import defaultdict

from markupsafe import Markup

from odoo import _, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import SQL, is_html_empty

_logger = logging.getLogger(__name__)


class HelpdeskTicket(models.Model):
    """Merging duplicate tickets into the one kept (as crm keeps ``_merge_opportunity`` on the lead).

    Messages and attachments move by bulk SQL updates, so a merge costs the same number of queries whatever
    the size of the threads. The whole merge runs in a savepoint: it happens entirely or not at all, and under
    row locks on every ticket involved, so that two merges never interleave.
    """
    _inherit = 'helpdesk.ticket'

    # ------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------

    def _merge_check(self):
        """Only a user who may write every ticket can merge them, and only within one company."""
        self.check_access_rights('write')
        self.check_access_rule('write')
        if len(self) < 2:
            raise UserError(_("Select at least two tickets to merge."))
        if len(self.company_id) > 1:
            raise UserError(_(
                "Tickets of different companies cannot be merged: %s.",
                ", ".join("%s (%s)" % (t.ticket_ref, t.company_id.name) for t in self)))
        merged = self.filtered('merged_into_id')
        if merged:
            raise UserError(_(
                "These tickets were already merged into another one: %s.", ", ".join(merged.mapped('ticket_ref'))))

    def _merge_lock(self):
        """Lock the tickets of a merge until the transaction ends; fail at once if another one holds any.

        Like ``NOWAIT``, without its "bad query" error in the logs: rows another transaction holds are skipped,
        and a missing one means the second of two simultaneous merges gets a clear error instead of waiting.
        The no-op update makes a merge that started from an older snapshot fail with a serialization error
        once the first one has committed (Odoo retries it on a fresh snapshot, where the checks see the first
        merge). NO KEY UPDATE does not conflict with the key-share locks of rows referencing the tickets.
        """
        self.env.cr.execute(SQL(
            "UPDATE helpdesk_ticket SET write_date = write_date WHERE id IN "
            "(SELECT id FROM helpdesk_ticket WHERE id IN %s ORDER BY id FOR NO KEY UPDATE SKIP LOCKED) RETURNING id",
            tuple(self.ids)))
        if len(self.env.cr.fetchall()) < len(self):
            raise UserError(_("These tickets are being merged or edited by someone else: try again in a moment."))

    def _merge_new_followers(self, target):
        """Customers (share partners: portal users and contacts without a user) who follow tickets of ``self``
        but not ``target``: the merge makes them followers of ``target``, they will see its public messages."""
        Followers = self.env['mail.followers'].sudo()
        followers = Followers.search([('res_model', '=', self._name), ('res_id', 'in', (self | target).ids)])
        on_target = followers.filtered(lambda f: f.res_id == target.id).partner_id
        return (followers.partner_id - on_target).filtered('partner_share')

    # ------------------------------------------------------------
    # Merge
    # ------------------------------------------------------------

    def _merge_into(self, target):
        """Merge the tickets of ``self`` into ``target`` and archive them; returns ``target``."""
        tickets = self | target
        tickets._merge_check()
        tickets._merge_lock()
        # what was checked before the lock may have changed under another merge: check again, locked
        tickets.invalidate_recordset(['active', 'merged_into_id'])
        tickets._merge_check()
        if not target.active:
            raise UserError(_("The ticket %s is archived: merge into an active ticket.", target.ticket_ref))
        others = (tickets - target).sorted(lambda t: (t.create_date, t.id))
        with self.env.cr.savepoint():
            others._merge_messages(target)
            others._merge_attachments(target)
            others._merge_activities(target)
            new_followers = others._merge_followers(target)
            others._merge_ratings(target)
            others._merge_sla_statuses(target)
            others._merge_values(target)
            others._merge_log_summary(target, new_followers)
            # the summary says it better than an "Archived" tracking line, and costs no query per ticket
            others.with_context(mail_notrack=True).write({'active': False, 'merged_into_id': target.id})
            tickets.invalidate_recordset()
        return target

    def _merge_messages(self, target):
        """Every message keeps its author, date and notifications; only its thread changes."""
        self.env['mail.message'].flush_model()
        self.env.cr.execute(
            "UPDATE mail_message SET res_id = %s WHERE model = 'helpdesk.ticket' AND res_id = ANY(%s)",
            [target.id, self.ids])
        self.env['mail.message'].invalidate_model(['res_id'])

    def _merge_attachments(self, target):
        """Attachments of the chatter and the description; binary fields of the tickets stay where they are."""
        self.env['ir.attachment'].flush_model()
        self.env.cr.execute(
            "UPDATE ir_attachment SET res_id = %s"
            " WHERE res_model = 'helpdesk.ticket' AND res_id = ANY(%s) AND res_field IS NULL",
            [target.id, self.ids])
        self.env['ir.attachment'].invalidate_model(['res_id'])

    def _merge_activities(self, target):
        """Activities, and the meetings scheduled from the tickets (calendar comes with CRM)."""
        domain = [('res_model', '=', 'helpdesk.ticket'), ('res_id', 'in', self.ids)]
        for model in ('mail.activity', 'calendar.event'):
            if model in self.env:
                records = self.env[model].sudo().with_context(active_test=False).search(domain)
                if records:
                    records.write({'res_id': target.id})

    def _merge_followers(self, target):
        """The target gets the followers of all tickets (with their subtypes); the merged ones keep theirs.
        Returns the customers among the new followers of the target (see ``_merge_new_followers``)."""
        Followers = self.env['mail.followers'].sudo()
        followers = Followers.search([('res_model', '=', 'helpdesk.ticket'), ('res_id', 'in', (target | self).ids)])
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
        return self.env['res.partner'].browse(list(subtypes)).filtered('partner_share')

    def _merge_ratings(self, target):
        """Ratings follow their ticket into the target's team, and the target's last rating is recomputed."""
        ratings = self.env['rating.rating'].sudo().search(
            [('res_model', '=', 'helpdesk.ticket'), ('res_id', 'in', self.ids)])
        if not ratings:
            return
        ratings.write({
            'res_id': target.id,
            'parent_res_model_id': self.env['ir.model']._get_id('helpdesk.team'),
            'parent_res_id': target.team_id.id,
        })
        self.env.add_to_compute(target._fields['rating_last_value'], target | self)

    def _merge_sla_statuses(self, target):
        """One SLA status per policy on the target: it gets the statuses of policies it does not have yet
        (from the oldest merged ticket first); the rest stay with their archived ticket, out of the reports."""
        Status = self.env['helpdesk.sla.status'].sudo()
        statuses = Status.search([('ticket_id', 'in', (target | self).ids)])
        policies = set(statuses.filtered(lambda s: s.ticket_id == target).sla_id.ids)
        moving = Status
        for ticket in self:
            for status in statuses.filtered(lambda s: s.ticket_id == ticket):
                if status.sla_id.id not in policies:
                    policies.add(status.sla_id.id)
                    moving |= status
        if moving:
            moving.write({'ticket_id': target.id})

    def _merge_values(self, target):
        """Tags are the union of all tickets'; the others' descriptions are appended under a heading."""
        values = {}
        new_tags = self.tag_ids - target.tag_ids
        if new_tags:
            values['tag_ids'] = [Command.link(tag.id) for tag in new_tags]
        descriptions = [target.description] if not is_html_empty(target.description) else []
        for ticket in self.filtered(lambda t: not is_html_empty(t.description)):
            heading = _("Description of %(reference)s: %(subject)s", reference=ticket.ticket_ref, subject=ticket.name)
            descriptions.append(Markup('<h4>%s</h4>%s') % (heading, ticket.description))
        if len(descriptions) > (0 if is_html_empty(target.description) else 1):
            values['description'] = Markup('').join(descriptions)
        if values:
            target.write(values)

    def _merge_log_summary(self, target, new_followers=None):
        """A note on the target lists the merged tickets, and the customers who now follow it; one on each
        merged ticket points to the target."""
        links = Markup(', ').join(ticket._get_html_link() for ticket in self)
        body = Markup('<p>%s</p>') % (Markup(_("Merged into this ticket: %s")) % links)
        if new_followers:
            body += Markup('<p>%s</p>') % _(
                "These customers of the merged tickets now follow this ticket and see its public messages: %s.",
                ", ".join(new_followers.mapped('display_name')))
        target._message_log(body=body)
        target_link = target._get_html_link()
        self._message_log_batch(bodies={
            ticket.id: Markup(_("Merged into %s")) % target_link for ticket in self})
