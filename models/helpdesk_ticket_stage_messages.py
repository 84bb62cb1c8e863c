import logging

import psycopg2

from odoo import SUPERUSER_ID, api, fields, models, tools
from odoo.tools import SQL

STAGE_MESSAGES_CRON = 'helpdesk_ce.ir_cron_send_stage_messages'

_logger = logging.getLogger(__name__)


class HelpdeskTicket(models.Model):
    """What a ticket's customer is sent when it enters a stage: the stage's email, SMS and rating request.

    A ticket moved to a stage gets them at once, from the move. A new ticket gets those of its first stage
    (the acknowledgement, by default) from a job (``_cron_send_stage_messages``), triggered by the creation:
    rendered for many tickets at once, and never in the request of a form, a portal page or an incoming
    mail, which then stays as light as the creation itself. A ticket moved on before the job ran gets them
    first, from the move.
    """
    _inherit = 'helpdesk.ticket'

    stage_messages_to_send = fields.Boolean(
        'Stage Messages Not Yet Sent', compute='_compute_stage_messages_to_send', precompute=True, store=True,
        copy=False, readonly=True,
        help="The messages of the stage the ticket was created in go out with the next run of their job.")

    def init(self):
        res = super().init()
        # the job reads the few tickets waiting for it among all of them
        tools.create_index(self.env.cr, 'helpdesk_ticket_stage_messages_to_send_index', self._table, ['id'],
                           where='stage_messages_to_send')
        return res

    def _compute_stage_messages_to_send(self):
        """Set once, at creation (no dependency): a stage with messages and a customer to send them to.
        Nothing under ``tracking_disable`` (an import, by default), like every mail.thread post."""
        sending = not self.env.context.get('tracking_disable')
        for ticket in self:
            stage = ticket.stage_id.sudo()
            ticket.stage_messages_to_send = sending and bool(
                stage.template_id or stage.sms_template_id or stage.rating_template_id) and bool(
                ticket.partner_id or ticket.partner_email or ticket.partner_phone)

    @api.model_create_multi
    def create(self, vals_list):
        tickets = super().create(vals_list)
        if any(tickets.mapped('stage_messages_to_send')):
            self._wake_stage_messages_job()
        return tickets

    def _wake_stage_messages_job(self):
        """Have the job run now, once for a burst of tickets: Odoo's ``_trigger`` (which reads the job, adds a
        trigger and, after the commit, opens a connection to tell the cron workers: a third of a creation's
        time) only when no trigger is pending yet. In a burst, one query per creation."""
        cron = self._stage_messages_cron()
        if not self.env['ir.cron.trigger'].sudo().search_count(
                [('cron_id', '=', cron.id), ('call_at', '<=', fields.Datetime.now())], limit=1):
            cron._trigger()

    def _stage_messages_cron(self):
        """The job, from the cached xmlids (env.ref checks it exists: a query per creation)."""
        return self.env['ir.cron'].sudo().browse(self.env['ir.model.data']._xmlid_to_res_id(STAGE_MESSAGES_CRON))

    @api.model
    def _cron_send_stage_messages(self, limit=500):
        """Send the messages of their first stage to new tickets, oldest first, a template rendered once for
        many tickets. The tickets are locked (another server's run skips them) and unmarked in the same
        transaction; archived tickets (merged meanwhile) are unmarked and sent nothing. A ticket whose
        template fails to render (a template expecting a field the ticket lacks) is logged and left out, so
        that it never holds back the others."""
        tickets = self.sudo().with_context(active_test=False).search(
            [('stage_messages_to_send', '=', True)], order='id', limit=limit)
        tickets = self._lock_skip_locked(tickets)
        try:
            with self.env.cr.savepoint():
                tickets._send_pending_stage_messages()
        except psycopg2.Error:
            raise  # the database's: the whole run is retried
        except Exception:  # noqa: BLE001 - a rendering error of any kind; logged below
            _logger.warning("helpdesk: stage messages of tickets %s failed together, sent one by one",
                            tickets.ids, exc_info=True)
            for ticket in tickets:
                try:
                    with self.env.cr.savepoint():
                        ticket._send_pending_stage_messages()
                except psycopg2.Error:
                    raise
                except Exception:  # noqa: BLE001
                    _logger.exception("helpdesk: the stage messages of ticket %s could not be sent", ticket.id)
                    ticket._unmark_stage_messages()
        if len(tickets) == limit:
            self._stage_messages_cron()._trigger()

    def _send_pending_stage_messages(self, stages=None):
        """Send what the job has not sent yet: the messages of ``stages`` ({ticket id: stage}, the stages the
        tickets were in before a move), else of the tickets' current stage."""
        if not self:
            return
        self._unmark_stage_messages()
        # as the job sends them, whoever moved the ticket on (a customer closing it on the portal)
        self.filtered('active').with_user(SUPERUSER_ID).sudo()._send_stage_messages(stages)

    def _unmark_stage_messages(self):
        # not a write: sending is not an activity of the ticket (write date, SLA, reminders)
        self.env.cr.execute(SQL("UPDATE helpdesk_ticket SET stage_messages_to_send = FALSE WHERE id IN %s",
                                tuple(self.ids)))
        self.invalidate_recordset(['stage_messages_to_send'])

    def _send_stage_messages(self, stages=None):
        """Email, text and ask for a rating the customer of tickets that entered a stage carrying templates
        (``stages``: {ticket id: stage}, by default the tickets' stage).

        The email is a public comment: the customer gets it with the access button, sees it on the portal,
        and agents see what was sent. The stage's rating template goes through Odoo's rating flow instead,
        private to the customer, and only for teams that use ratings.
        Nothing is sent under ``tracking_disable`` (an import, by default), like every mail.thread post.
        """
        if self.env.context.get('tracking_disable'):
            return
        for stage, tickets in self.grouped(lambda t: stages[t.id] if stages else t.stage_id).items():
            if not (stage.template_id or stage.sms_template_id or stage.rating_template_id):
                continue
            for own_ticket, group in tickets.grouped(lambda t: t.partner_id == self.env.user.partner_id).items():
                # a customer moving their own ticket (portal) still gets the message
                group = group.with_context(mail_notify_author=own_ticket)
                if stage.template_id:
                    group._send_stage_email(stage.template_id)
                if stage.rating_template_id:
                    group._send_rating_request(stage.rating_template_id)
                if stage.sms_template_id:
                    group._send_stage_sms(stage.sms_template_id)

    def _send_stage_email(self, template):
        tickets = self.filtered(lambda t: t.partner_id or t.partner_email)
        tickets._message_post_automatic_email(template)

    def _send_rating_request(self, template):
        """Ask the customers of tickets whose team uses ratings (as project does with its stages)."""
        tickets = self.filtered(lambda t: t.team_id.use_rating and t.partner_id)
        tickets._without_own_customer_address().rating_send_request(
            template, force_send=False)

    def _send_stage_sms(self, template):
        """Queue one SMS per ticket with a number (its own, else its customer's); the SMS cron sends them."""
        tickets = self.filtered(lambda t: t.partner_phone or t.partner_id.mobile or t.partner_id.phone)
        bodies = template._render_field('body', tickets.ids, compute_lang=True)
        for ticket in tickets:
            ticket._message_sms(bodies[ticket.id], put_in_queue=True)
