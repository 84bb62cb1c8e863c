from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import split_every

from .record_rules import filter_read_access_in_sql, searched_readable_ids

SLA_STATUSES = [
    ('ongoing', 'Ongoing'),
    ('reached', 'Reached'),
    ('failed', 'Failed'),
]


class HelpdeskSLAStatus(models.Model):
    """One per ticket and matching policy. Every change happens at an event (creation, a write, a reply,
    the cron), in batches, so that nothing ever recomputes the whole table."""
    _name = 'helpdesk.sla.status'
    _description = 'Ticket SLA Status'
    _order = 'deadline, id'
    _rec_name = 'sla_id'

    ticket_id = fields.Many2one('helpdesk.ticket', required=True, index=True, ondelete='cascade')
    sla_id = fields.Many2one('helpdesk.sla', 'SLA Policy', required=True, index=True, ondelete='cascade')
    team_id = fields.Many2one(related='sla_id.team_id', store=True, index=True, string='Helpdesk Team')
    company_id = fields.Many2one(related='ticket_id.company_id')
    target_type = fields.Selection(related='sla_id.target_type')
    sla_stage_id = fields.Many2one(related='sla_id.stage_id', string='Target Stage')
    deadline = fields.Datetime(
        index='btree_not_null', help="Empty while the clock is stopped in an excluded stage.")
    reached_datetime = fields.Datetime('Reached On')
    status = fields.Selection(SLA_STATUSES, required=True, default='ongoing', index=True)
    paused_since = fields.Datetime('Clock Stopped Since')
    paused_hours = fields.Float(
        'Stopped Working Hours', help="Working hours spent in excluded stages: they push the deadline back.")
    color = fields.Integer(compute='_compute_color')

    _sql_constraints = [
        ('ticket_sla_unique', 'unique(ticket_id, sla_id)', 'A policy applies only once to a ticket.'),
    ]

    @api.depends('status')
    def _compute_color(self):
        colors = {'reached': 10, 'failed': 1}  # green, red
        for status in self:
            status.color = colors.get(status.status, 0)

    # ------------------------------------------------------------
    # Matching policies to tickets
    # ------------------------------------------------------------

    @api.model
    def _apply_to_tickets(self, tickets):
        """Give tickets a status for each policy that matches them now.

        Statuses of policies that still match keep their clock; ongoing ones of policies that no longer
        match go away; reached and failed ones stay, they are history.
        """
        tickets = tickets.sudo()
        teams = tickets.team_id.filtered('use_sla')
        slas_by_team = self.env['helpdesk.sla'].sudo().search([('team_id', 'in', teams.ids)]).grouped('team_id')
        obsolete = self.browse()
        pairs = []
        for ticket in tickets:
            matching = slas_by_team.get(ticket.team_id, self.env['helpdesk.sla']).filtered(
                lambda sla: sla._matches(ticket))
            existing = ticket.sla_status_ids
            obsolete |= existing.filtered(lambda s: s.status == 'ongoing' and s.sla_id not in matching)
            pairs += [(ticket, sla) for sla in matching - existing.sla_id]
        obsolete.unlink()
        if not pairs:
            return self.browse()
        deadlines = self._plan_deadlines([(ticket, sla, 0.0) for ticket, sla in pairs])
        statuses = self.sudo().create([
            {'ticket_id': ticket.id, 'sla_id': sla.id, 'deadline': deadline}
            for (ticket, sla), deadline in zip(pairs, deadlines)
        ])
        # a policy matched after the first reply is judged on that reply
        for status in statuses.filtered(
                lambda s: s.target_type == 'first_response' and s.ticket_id.first_response_date):
            status._reach(status.ticket_id.first_response_date)
        statuses._sync_with_stage()
        return statuses

    # ------------------------------------------------------------
    # The clock
    # ------------------------------------------------------------

    @api.model
    def _calendar_of(self, ticket):
        return ticket.team_id.resource_calendar_id or ticket.company_id.resource_calendar_id

    @api.model
    def _plan_deadlines(self, items):
        """Deadlines of (ticket, policy, stopped hours) items: the policy's working hours plus the stopped
        ones, planned from the ticket's creation on its team's calendar. One planning per calendar."""
        by_calendar = defaultdict(list)
        for index, (ticket, sla, paused_hours) in enumerate(items):
            by_calendar[self._calendar_of(ticket)].append(
                (index, (ticket.create_date or fields.Datetime.now(), sla.time + paused_hours)))
        deadlines = [False] * len(items)
        for calendar, indexed in by_calendar.items():
            planned = calendar._helpdesk_plan_hours_batch([request for _index, request in indexed])
            for (index, _request), deadline in zip(indexed, planned):
                deadlines[index] = deadline
        return deadlines

    @api.model
    def _work_hours(self, items):
        """Working hours of (ticket, start, end) items on each ticket's team calendar."""
        by_calendar = defaultdict(list)
        for index, (ticket, start, end) in enumerate(items):
            by_calendar[self._calendar_of(ticket)].append((index, (start, end)))
        hours = [0.0] * len(items)
        for calendar, indexed in by_calendar.items():
            counted = calendar._helpdesk_work_hours_batch([period for _index, period in indexed])
            for (index, _period), value in zip(indexed, counted):
                hours[index] = value
        return hours

    def _recompute_deadline(self):
        deadlines = self._plan_deadlines([(s.ticket_id, s.sla_id, s.paused_hours) for s in self])
        for status, deadline in zip(self, deadlines):
            if status.deadline != deadline:
                status.deadline = deadline

    def _restart_clock(self, now):
        """Leave the stopped state: the stopped working hours push the deadline back."""
        stopped = self._work_hours([(s.ticket_id, s.paused_since, now) for s in self])
        for status, hours in zip(self, stopped):
            status.write({'paused_hours': status.paused_hours + hours, 'paused_since': False})
        self._recompute_deadline()

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, access_rights_uid=None):
        """The SLA column of a list page reads the statuses of the tickets the page's search just returned: those
        passed the ticket rules an instant before, and a status is visible exactly where its ticket is (the
        status rules are the ticket rules through ``ticket_id``), so they are not applied again (the visibility
        subqueries, planned once more for every page). Access rights still apply."""
        if not self.env.su and self._of_searched_tickets(domain):
            (self.with_user(access_rights_uid) if access_rights_uid else self).check_access_rights('read')
            return super(HelpdeskSLAStatus, self.sudo())._search(domain, offset=offset, limit=limit, order=order)
        return super()._search(domain, offset=offset, limit=limit, order=order, access_rights_uid=access_rights_uid)

    def _of_searched_tickets(self, domain):
        """``domain`` reads statuses of tickets a list page searched: the one2many's [('ticket_id', 'in', ids)],
        or the fetch of such statuses, [('id', 'in', ids)], their tickets known."""
        if len(domain) != 1 or not isinstance(domain[0], (list, tuple)) or len(domain[0]) != 3:
            return False
        fname, operator, ids = domain[0]
        if operator != 'in' or not isinstance(ids, (list, tuple)) or not ids:
            return False
        if fname == 'ticket_id':
            return searched_readable_ids(self.env['helpdesk.ticket']).issuperset(ids)
        return fname == 'id' and self.browse(ids)._tickets_searched()

    def _tickets_searched(self):
        """The tickets of these statuses, as the cache holds them, are all of a list page's search."""
        searched = searched_readable_ids(self.env['helpdesk.ticket'])
        field, cache = self._fields['ticket_id'], self.env.cache
        return bool(searched) and all(
            cache.contains(status, field) and cache.get(status, field) in searched for status in self)

    def _filter_access_rules_python(self, operation):
        """Reading statuses (the SLA column of the agent's ticket list): their rules go through the ticket."""
        if operation == 'read' and self._tickets_searched():
            return self  # statuses of the tickets a list page searched: see ``_search``
        allowed = filter_read_access_in_sql(self, operation)
        return super()._filter_access_rules_python(operation) if allowed is None else allowed

    def _fail_overdue(self, now=None):
        now = now or fields.Datetime.now()
        overdue = self.filtered(lambda s: s.status == 'ongoing' and s.deadline and s.deadline < now)
        overdue.write({'status': 'failed'})
        return overdue

    def _reach(self, when):
        """The target is met at `when`: in time it is reached, too late it stays failed."""
        pending = self.filtered(lambda s: not s.reached_datetime)
        pending.filtered('paused_since')._restart_clock(when)
        pending._fail_overdue(when)
        pending.filtered(lambda s: s.status == 'ongoing').write({'reached_datetime': when, 'status': 'reached'})
        pending.filtered(lambda s: s.status == 'failed').write({'reached_datetime': when})

    def _sync_with_stage(self):
        """Bring statuses in line with their ticket's current stage; safe to call again and again."""
        now = fields.Datetime.now()
        self._fail_overdue(now)
        # the clock restarts where the ticket left its excluded stages (or reached its target from one)
        self.filtered(lambda s: s.paused_since and (
            s.status != 'ongoing' or s.sla_id._is_stage_reached(s.ticket_id.stage_id)
            or not s.sla_id._is_clock_stopped(s.ticket_id.stage_id)
        ))._restart_clock(now)
        stage_targets = self.filtered(lambda s: s.sla_id.target_type == 'stage')
        stage_targets.filtered(
            lambda s: not s.reached_datetime and s.sla_id._is_stage_reached(s.ticket_id.stage_id))._reach(now)
        # moving back before the target reopens it
        reopened = stage_targets.filtered(
            lambda s: s.reached_datetime and not s.sla_id._is_stage_reached(s.ticket_id.stage_id))
        reopened.write({'reached_datetime': False})
        reopened.filtered(lambda s: s.status == 'reached').write({'status': 'ongoing'})
        reopened._fail_overdue(now)
        self.filtered(lambda s: s.status == 'ongoing' and not s.paused_since
                      and s.sla_id._is_clock_stopped(s.ticket_id.stage_id)
                      ).write({'paused_since': now, 'deadline': False})

    @api.model
    def _cron_fail_overdue(self, batch_size=1000):
        """Statuses are stored: the cron turns those whose deadline passed to failed.

        A ticket may reach its target, or a policy get more time, between the search and the write, and
        another server may run this cron too: each batch is locked (rows another transaction holds are left
        to it) and its condition checked again under the lock.
        """
        now = fields.Datetime.now()
        Status = self.sudo()
        failed = Status.browse()
        candidates = Status.search([('status', '=', 'ongoing'), ('deadline', '<', now)])
        for batch_ids in split_every(batch_size, candidates.ids):
            locked = self.env['helpdesk.ticket']._lock_skip_locked(Status.browse(batch_ids))
            overdue = locked and Status.search(
                [('id', 'in', locked.ids), ('status', '=', 'ongoing'), ('deadline', '<', now)])
            overdue.write({'status': 'failed'})
            failed |= overdue
        return failed
