from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command


class HelpdeskTicketMerge(models.TransientModel):
    """The merge screen: which tickets, which one is kept, how alike they are, who gains access.

    The merge itself is ``helpdesk.ticket._merge_into``.
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
    access_warning = fields.Text(
        compute='_compute_access_warning',
        help="Customers of the other tickets who will follow the ticket kept, and see its public messages.")

    @api.constrains('ticket_ids', 'target_ticket_id')
    def _check_readable_tickets(self):
        """The screen shows the tickets' names, customers and similarity: only for tickets the user may read."""
        for wizard in self:
            (wizard.ticket_ids | wizard.target_ticket_id).check_access_rule('read')

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

    @api.depends('ticket_ids', 'target_ticket_id')
    def _compute_access_warning(self):
        for wizard in self:
            target = wizard.target_ticket_id._origin
            others = wizard.ticket_ids._origin - target
            partners = others._merge_new_followers(target) if target and others else None
            wizard.access_warning = bool(partners) and _(
                "Merging gives these customers of the other tickets access to %(ticket)s: they will follow it "
                "and see its public messages: %(customers)s.",
                ticket=target.display_name, customers=", ".join(partners.mapped('display_name')))

    @api.model
    def _check_tickets(self, tickets):
        """Kept for callers of the previous API: the checks live on the ticket model."""
        tickets._merge_check()

    def action_merge(self):
        self.ensure_one()
        target = self.target_ticket_id
        if not target:
            raise UserError(_("Choose the ticket to keep."))
        # read the selection without record rules: a ticket the user may not see must refuse the merge,
        # not silently drop out of it (the merge checks write access on each)
        tickets = self.env['helpdesk.ticket'].browse(self.sudo().ticket_ids.ids) | target
        (tickets - target)._merge_into(target)
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'helpdesk.ticket',
            'res_id': target.id,
            'view_mode': 'form',
            'views': [(False, 'form')],
        }
