import os
import re

from odoo import _, http, tools
from odoo.http import request
from odoo.tools import plaintext2html

from odoo.addons.http_routing.models.ir_http import slug, unslug

from .utils import CONTROL_CHARS_RE, has_control_chars, not_found, validate_csrf

# Limits of the public form; each can be changed with the system parameter helpdesk_ce.form_<key>
FORM_LIMITS = {
    'max_attachments': 5,
    'max_attachment_size': 10 * 1024 * 1024,  # bytes, per file
    'max_total_size': 25 * 1024 * 1024,  # bytes, all files together
}
FIELD_MAX_LENGTHS = {'partner_name': 128, 'partner_email': 254, 'name': 200, 'description': 20000}
# hidden from people by CSS; bots that fill every field give themselves away
HONEYPOT_FIELD = 'contact_website'


def helpdesk_public_team(team_key, *switches):
    """The team named by an id or a slug in a URL, if it is public and has all ``switches`` on.

    :return: a sudo-ed helpdesk.team, empty when there is none such
    """
    Team = request.env['helpdesk.team'].sudo()
    if has_control_chars(team_key):
        return Team
    team_id = int(team_key) if re.fullmatch(r'[0-9]{1,10}', team_key) else unslug(team_key)[1]
    if not team_id or not 0 < team_id < 2 ** 31:
        return Team
    domain = [('id', '=', team_id), ('privacy_visibility', '=', 'portal')]
    domain += [(switch, '=', True) for switch in switches]
    return Team.search(domain, limit=1)


def helpdesk_form_teams():
    """The teams anyone may file a ticket in: public teams with their form on (sudo-ed)."""
    return request.env['helpdesk.team'].sudo().search(
        [('privacy_visibility', '=', 'portal'), ('use_website_helpdesk_form', '=', True)])


class HelpdeskTicketFormMixin:
    """Validation, limits and ticket creation shared by every web form that creates tickets: the public form
    of a team and the portal's New Ticket page. What people type is never trusted."""

    def _helpdesk_form_limit(self, key):
        param = request.env['ir.config_parameter'].sudo().get_param('helpdesk_ce.form_%s' % key) or ''
        return int(param) if re.fullmatch(r'[0-9]{1,12}', param) else FORM_LIMITS[key]

    def _helpdesk_form_limits_display(self):
        return {
            'max_attachments': self._helpdesk_form_limit('max_attachments'),
            'max_attachment_size_mb': round(self._helpdesk_form_limit('max_attachment_size') / 1048576, 1),
            'max_total_size_mb': round(self._helpdesk_form_limit('max_total_size') / 1048576, 1),
        }

    def _helpdesk_form_validate(self, post, values, files):
        """:return dict: field name (or 'form', 'attachments') -> error message"""
        errors = {}
        if not validate_csrf(post.get('csrf_token')):
            errors['form'] = _("Your session expired. Please check the form and send it again.")
        if post.get(HONEYPOT_FIELD):
            errors['form'] = _("Your request could not be sent.")
        required = {
            'partner_name': _("Please tell us your name."),
            'partner_email': _("Please give your email address, so that we can answer you."),
            'name': _("Please give a subject."),
            'description': _("Please describe your request."),
        }
        for field, message in required.items():
            if has_control_chars(values[field]):
                # PostgreSQL refuses some of them (NUL); shown back without them
                values[field] = CONTROL_CHARS_RE.sub('', values[field])
                errors[field] = _("This contained invisible control characters: they were removed, please check it.")
            elif not values[field]:
                errors[field] = message
            elif len(values[field]) > FIELD_MAX_LENGTHS[field]:
                errors[field] = _("This is too long: %(max)s characters at most.", max=FIELD_MAX_LENGTHS[field])
        if 'partner_email' not in errors and not tools.single_email_re.match(values['partner_email']):
            errors['partner_email'] = _("This email address is not valid.")
        error = self._helpdesk_form_check_files(files)
        if error:
            errors['attachments'] = error
        return errors

    def _helpdesk_form_check_files(self, files):
        max_count = self._helpdesk_form_limit('max_attachments')
        max_size = self._helpdesk_form_limit('max_attachment_size')
        max_total = self._helpdesk_form_limit('max_total_size')
        if len(files) > max_count:
            return _("Please attach %(max)s files at most.", max=max_count)
        total = 0
        for file in files:
            size = self._helpdesk_file_size(file)
            if size > max_size:
                return _("The file %(name)s is too large: %(max)s MB at most per file.",
                         name=file.filename, max=round(max_size / 1024 / 1024, 1))
            total += size
        if total > max_total:
            return _("The files are too large together: %(max)s MB at most.", max=round(max_total / 1024 / 1024, 1))
        return None

    @staticmethod
    def _helpdesk_file_size(file):
        stream = file.stream
        stream.seek(0, os.SEEK_END)
        size = stream.tell()
        stream.seek(0)
        return size

    def _helpdesk_form_visitor_partners(self, values):
        """The customer and the author of a visitor's submission, who may have typed anyone's address.

        An address of nobody known makes a new contact, customer and author. A known customer's contact gets the
        ticket (it reaches them, and their portal), but nothing is written in their name. An internal user's
        contact is never used: the ticket keeps the name and address as typed.

        :return: (customer, author, error message or None)
        """
        Partner = request.env['res.partner']
        address = tools.formataddr((values['partner_name'], values['partner_email']))
        Ticket = request.env['helpdesk.ticket'].sudo()
        if tools.email_normalize(values['partner_email']) in Ticket._mail_gateway_own_addresses():
            return Partner, Partner, _("This address cannot be used: please give your own.")
        known = Ticket._mail_find_partner_from_emails([address])[0]
        if known:
            return (known if known.partner_share else Partner), Partner, None
        customer = Ticket._find_or_create_partners([address])[0]
        if not customer:
            return Partner, Partner, _("This address cannot be used: please give your own.")
        return customer, customer, None

    def _helpdesk_form_create_ticket(self, team, customer, author, values, files):
        """Create the ticket in the team, then the attachments as a message of the author (or of the typed address)."""
        Ticket = request.env['helpdesk.ticket'].sudo().with_context(mail_create_nosubscribe=True)
        contact = {'partner_id': customer.id} if customer else {
            'partner_name': values['partner_name'], 'partner_email': values['partner_email']}
        ticket = Ticket.create(dict(contact, **{
            'name': values['name'],
            # typed as plain text: escaped into HTML, then through the field's sanitizer
            'description': plaintext2html(values['description']),
            'team_id': team.id,
        }))
        if files:
            # created as the visitor: HTML/SVG files are stored as plain text
            ticket.message_post(
                author_id=author.id, email_from=tools.formataddr((values['partner_name'], values['partner_email'])),
                message_type='comment', subtype_xmlid='mail.mt_comment',
                attachments=[(CONTROL_CHARS_RE.sub('', file.filename) or 'attachment', file.read()) for file in files])
        return ticket

    def _helpdesk_form_portal_url(self, ticket):
        """A logged-in user gets a link to the ticket when the portal lets them in (no token in the page)."""
        user = request.env.user
        if user._is_public():
            return False
        ticket_as_user = ticket.with_user(user)
        if not ticket_as_user.check_access_rights('read', raise_exception=False):
            return False
        return '/my/tickets/%s' % ticket.id if ticket_as_user._filter_access_rules('read') else False


class HelpdeskTicketForm(HelpdeskTicketFormMixin, http.Controller):
    """The public ticket form of a team. Visitors are strangers: validate everything, create nothing on error."""

    def _helpdesk_form_render(self, team, values=None, errors=None, status=200):
        user = request.env.user
        values = dict(values or {})
        if not user._is_public():
            # a logged-in user submits as themselves
            values.update(partner_name=user.partner_id.name, partner_email=user.partner_id.email)
        return request.render('helpdesk_ce.helpdesk_ticket_form', {
            'team': team,
            'form_action': '/helpdesk/%s/submit' % slug(team),
            'values': values,
            'errors': errors or {},
            'is_public_user': user._is_public(),
            'limits': self._helpdesk_form_limits_display(),
            'honeypot_field': HONEYPOT_FIELD,
        }, status=status)

    @http.route('/helpdesk/<string:team>', type='http', auth='public', website=True, sitemap=False)
    def helpdesk_ticket_form(self, team, **kwargs):
        team_sudo = helpdesk_public_team(team, 'use_website_helpdesk_form')
        if not team_sudo:
            return not_found(team)
        return self._helpdesk_form_render(team_sudo)

    # CSRF is checked below, so that a stale form comes back with its content and an explanation
    @http.route('/helpdesk/<string:team>/submit', type='http', auth='public', methods=['POST'], website=True,
                csrf=False, sitemap=False)
    def helpdesk_ticket_submit(self, team, **post):
        team_sudo = helpdesk_public_team(team, 'use_website_helpdesk_form')
        if not team_sudo:
            return not_found(team)
        files = [f for f in request.httprequest.files.getlist('attachments') if f.filename]
        values = {key: (post.get(key) or '').strip() for key in FIELD_MAX_LENGTHS}
        user = request.env.user
        if not user._is_public():
            values.update(partner_name=user.partner_id.name, partner_email=user.partner_id.email or '')
        errors = self._helpdesk_form_validate(post, values, files)
        customer = author = request.env['res.partner']
        if not errors:
            if user._is_public():
                customer, author, error = self._helpdesk_form_visitor_partners(values)
                if error:
                    errors['partner_email'] = error
            else:
                customer = author = user.partner_id
        if errors:
            return self._helpdesk_form_render(team_sudo, values, errors, status=400)
        ticket = self._helpdesk_form_create_ticket(team_sudo, customer, author, values, files)
        return request.render('helpdesk_ce.helpdesk_ticket_form_done', {
            'team': team_sudo,
            'ticket_ref': ticket.ticket_ref,
            'portal_url': self._helpdesk_form_portal_url(ticket),
        })
