from markupsafe import Markup

from odoo import _, api, models
from odoo.exceptions import AccessError

# The arguments of a customer's post: those the portal chatter itself gives message_post
# (portal/controllers/mail.py, _message_post_helper), values checked below.
SHARE_POST_ARGS = frozenset({
    'body', 'message_type', 'subtype_xmlid', 'subtype_id', 'author_id', 'email_from', 'attachment_ids',
    'send_after_commit',
})


class HelpdeskTicket(models.Model):
    """What customers (share users) may do in a ticket's chatter, whatever the RPC path.

    ``_mail_post_access = 'read'`` lets a customer who reads a ticket post on it, so that the portal chatter
    works; Odoo then lets the caller choose the author, recipients, subtype, date, layout, rating... Checked
    here, on the model, a customer posts what the portal chatter posts: a comment, in their own name, to the
    ticket's followers, with their own uploads. Trusted code running in sudo (the portal controllers, the mail
    gateway) is not concerned.
    """
    _inherit = 'helpdesk.ticket'

    def _helpdesk_is_share_call(self):
        """A share user (portal or public) acting through their own rights, not trusted code in sudo."""
        return not self.env.su and self.env.user.share

    @api.returns('mail.message', lambda value: value.id)
    def message_post(self, **kwargs):
        """A customer's post is checked, then made in sudo, as the portal chatter makes it.

        Sudo only after the explicit check: besides, Odoo's non-sudo post fails for customers as soon as the
        ticket's customer is notified (signing their portal link needs an employee).
        """
        if self.env.user.share:
            # portal_rating's chatter passes these along, even in sudo: ratings come from rating requests only
            if kwargs.pop('rating_value', None):
                raise AccessError(_("Customers rate a ticket from the rating request they receive."))
            kwargs.pop('rating_feedback', None)
        if not self._helpdesk_is_share_call():
            return super().message_post(**kwargs)
        self.ensure_one()
        self._helpdesk_check_share_post(kwargs)
        kwargs.setdefault('author_id', self.env.user.partner_id.id)
        message = super(HelpdeskTicket, self.sudo()).message_post(**kwargs)
        return message.sudo(False)

    def _helpdesk_check_share_post(self, values):
        """Refuse anything a customer could not do from the portal chatter (AccessError)."""
        self.check_access_rights('read')
        self.check_access_rule('read')
        unexpected = sorted(set(values) - SHARE_POST_ARGS)
        if unexpected:
            raise AccessError(_("Customers cannot set these on their messages: %s.", ", ".join(unexpected)))
        partner = self.env.user.partner_id
        if values.get('author_id', partner.id) != partner.id:
            raise AccessError(_("Customers can only post in their own name."))
        if values.get('email_from') not in (None, partner.email_formatted):
            raise AccessError(_("Customers can only post from their own address."))
        comment = self.env.ref('mail.mt_comment')
        subtype_id = values.get('subtype_id')
        if values.get('subtype_xmlid'):
            subtype_id = self.env['ir.model.data']._xmlid_to_res_id(values['subtype_xmlid'], raise_if_not_found=False)
        if values.get('message_type') != 'comment' or subtype_id != comment.id:
            raise AccessError(_("Customers can only post public comments (message type \"comment\", "
                                "subtype \"mail.mt_comment\")."))

    def message_post_with_source(self, source_ref, render_values=None, message_type='notification',
                                 subtype_xmlid=False, subtype_id=False, **kwargs):
        """Templates and views are rendered for agents and automations, never at a customer's choice."""
        if self._helpdesk_is_share_call():
            raise AccessError(_("Customers cannot post messages rendered from templates."))
        return super().message_post_with_source(
            source_ref, render_values=render_values, message_type=message_type, subtype_xmlid=subtype_xmlid,
            subtype_id=subtype_id, **kwargs)

    def _message_post_automatic_email(self, template):
        """Post the template on each ticket as a public comment, as an automatic email (stage emails, customer
        reminders): no agent's answer, whoever triggered it; queued, never sent in the request.

        One composer renders the whole batch (each ticket in its customer's language) then posts on each
        ticket: mail's own batch comment mode, where ``message_post_with_source`` makes a composer per ticket.
        Never to the database's own addresses (a mail from an alias): it would loop through the gateway.
        """
        if self._helpdesk_is_share_call():
            raise AccessError(_("Customers cannot post messages rendered from templates."))
        tickets = self._without_own_customer_address()
        if not tickets:
            return self.env['mail.message']
        composer = self.env['mail.compose.message'].with_context(
            helpdesk_stage_template=True, mail_notify_force_send=False,
            default_composition_mode='comment', default_model=self._name, default_res_ids=tickets.ids,
            default_template_id=template.id,
        ).create({'message_type': 'comment', 'subtype_id': self._subtype('mail.mt_comment').id})
        return composer._action_send_mail()[1]

    def _message_log_creation(self):
        """The "Ticket created" message of new tickets, as mail.thread's creation posts it (the creation
        subtype, by the creator), but through mail's notification only where someone follows the ticket for
        its creation (the team's followers, by the team's Ticket Created subtype). The other tickets' messages
        are the same, written in one insertion, as mail logs messages: no recipients to look up one ticket at
        a time, nobody to notify.
        """
        if not self:
            return
        subtype = self._creation_subtype()
        author = self.env.user.partner_id
        # mail just subscribed them: the followers are in the cache, with their subtypes
        notified = self.sudo().message_follower_ids.filtered(lambda follower: subtype in follower.subtype_ids)
        notified = self.browse(notified.mapped('res_id'))
        for ticket in notified:
            ticket.sudo().message_post(subtype_id=subtype.id, author_id=author.id)
        logged = (self - notified).sudo()
        if not logged:
            return
        # the message needs the author's address and the companies' alias domain, not their whole rows (mail's
        # tracking reads the author's language before the commit when the context has none)
        author.fetch(['name', 'email', 'lang'])
        (logged.company_id | self.env.company).fetch(['alias_domain_id'])
        author_id, email_from = logged._message_compute_author(author.id, raise_on_email=False)
        alias_domains = logged._mail_get_alias_domains(default_company=self.env.company)
        companies = logged._mail_get_companies(default=self.env.company)
        # nobody is mailed these messages: the generic reply address, as mail gives logged messages
        reply_to = self.env['mail.thread']._notify_get_reply_to(default=email_from)[False]
        logged._message_create([{
            'author_id': author_id, 'email_from': email_from, 'model': self._name, 'res_id': ticket.id,
            'record_name': ticket.display_name, 'record_alias_domain_id': alias_domains[ticket.id].id,
            'record_company_id': companies[ticket.id].id, 'body': Markup(''), 'message_type': 'notification',
            'subtype_id': subtype.id, 'email_add_signature': True, 'reply_to': reply_to,
        } for ticket in logged])

    def _message_compute_parent_id(self, parent_id):
        """The creation message is the ticket's first: no earlier message to thread it under (mail searches)."""
        if not parent_id and self.env.context.get('helpdesk_creating'):
            return False
        return super()._message_compute_parent_id(parent_id)

    def _message_update_content(self, message, body, attachment_ids=None, partner_ids=None, strict=True, **kwargs):
        """Customers may edit the words of their own comments (as Odoo allows), not mention anyone in them."""
        if partner_ids and self._helpdesk_is_share_call():
            raise AccessError(_("Customers cannot mention people in their messages."))
        return super()._message_update_content(
            message, body, attachment_ids=attachment_ids, partner_ids=partner_ids, strict=strict, **kwargs)
