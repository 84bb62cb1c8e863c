from operator import itemgetter

from werkzeug import urls
from werkzeug.exceptions import BadRequest, Forbidden, NotFound

from odoo import _, http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request
from odoo.osv import expression
from odoo.tools import groupby as groupbyelem

from odoo.addons.portal.controllers.portal import CustomerPortal, pager as portal_pager

from .form import FIELD_MAX_LENGTHS, HONEYPOT_FIELD, HelpdeskTicketFormMixin, helpdesk_form_teams
from .utils import has_control_chars, is_token, parse_count, parse_id, validate_csrf

# group-by key of the portal list -> ticket field
TICKET_GROUPBY_FIELDS = {'team': 'team_id', 'stage': 'stage_id'}


class HelpdeskCustomerPortal(HelpdeskTicketFormMixin, CustomerPortal):
    """My Account > Tickets. Record rules decide what a user sees; an access token opens one ticket."""

    @http.route()
    def home(self, **kw):
        """My Account offers New Ticket when some team takes tickets online."""
        response = super().home(**kw)
        if getattr(response, 'qcontext', None) is not None:
            response.qcontext['helpdesk_form_teams'] = helpdesk_form_teams()
        return response

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if 'ticket_count' in counters:
            Ticket = request.env['helpdesk.ticket']
            values['ticket_count'] = Ticket.search_count(self._helpdesk_my_tickets_domain()) \
                if Ticket.check_access_rights('read', raise_exception=False) else 0
        return values

    def _document_check_access(self, model_name, document_id, access_token=None):
        """A ticket's token opens it only where `_portal_check_token` allows (public team, active, not revoked)."""
        if model_name != 'helpdesk.ticket':
            return super()._document_check_access(model_name, document_id, access_token=access_token)
        ticket = request.env[model_name].browse([document_id])
        ticket_sudo = ticket.sudo().exists()
        if not ticket_sudo:
            raise MissingError(_("This document does not exist."))
        try:
            ticket.check_access_rights('read')
            ticket.check_access_rule('read')
        except AccessError:
            if not ticket_sudo._portal_check_token(access_token):
                raise
        return ticket_sudo

    # ------------------------------------------------------------
    # Ticket list
    # ------------------------------------------------------------

    def _helpdesk_my_tickets_domain(self):
        """"My" tickets are those the user follows: the customer and the people in copy."""
        return [('message_partner_ids', 'in', request.env.user.partner_id.ids)]

    def _helpdesk_searchbar_sortings(self):
        return {
            'date': {'label': _('Newest'), 'order': 'create_date desc, id desc'},
            'update': {'label': _('Last Update'), 'order': 'write_date desc, id desc'},
            'name': {'label': _('Subject'), 'order': 'name, id desc'},
            'reference': {'label': _('Reference'), 'order': 'ticket_ref desc, id desc'},
            'stage': {'label': _('Stage'), 'order': 'stage_id, id desc'},
        }

    def _helpdesk_searchbar_filters(self):
        return {
            'all': {'label': _('All'), 'domain': []},
            'open': {'label': _('Open'), 'domain': [('is_closed', '=', False)]},
            'closed': {'label': _('Closed'), 'domain': [('is_closed', '=', True)]},
        }

    def _helpdesk_searchbar_groupby(self):
        return {
            'none': {'input': 'none', 'label': _('None')},
            'team': {'input': 'team', 'label': _('Team')},
            'stage': {'input': 'stage', 'label': _('Stage')},
        }

    def _helpdesk_searchbar_inputs(self):
        return {
            'all': {'input': 'all', 'label': _('Search in All')},
            'name': {'input': 'name', 'label': _('Search in Subject')},
            'ref': {'input': 'ref', 'label': _('Search in Reference')},
            'content': {'input': 'content', 'label': _('Search in Description')},
        }

    def _helpdesk_search_domain(self, search_in, search):
        # messages are left out on purpose: matching on them would reveal the content of internal notes
        domains = []
        if search_in in ('name', 'all'):
            domains.append([('name', 'ilike', search)])
        if search_in in ('ref', 'all'):
            domains.append([('ticket_ref', 'ilike', search)])
        if search_in in ('content', 'all'):
            domains.append([('description', 'ilike', search)])
        return expression.OR(domains)

    @http.route(['/my/tickets', '/my/tickets/page/<int:page>'], type='http', auth='user', website=True)
    def portal_my_tickets(self, page=1, sortby=None, filterby=None, search=None, search_in='all', groupby=None,
                          **kw):
        values = self._prepare_portal_layout_values()
        Ticket = request.env['helpdesk.ticket']
        sortings = self._helpdesk_searchbar_sortings()
        filters = self._helpdesk_searchbar_filters()
        groupbys = self._helpdesk_searchbar_groupby()
        inputs = self._helpdesk_searchbar_inputs()
        sortby = sortby if sortby in sortings else 'date'
        filterby = filterby if filterby in filters else 'all'
        groupby = groupby if groupby in groupbys else 'none'
        search_in = search_in if search_in in inputs else 'all'
        # Odoo's pager takes any str.isdigit() page, such as '²', to int()
        page = parse_count(page, 1)

        domain = expression.AND([self._helpdesk_my_tickets_domain(), filters[filterby]['domain']])
        if search:
            # no ticket holds a NUL byte, and PostgreSQL refuses one in a query
            search_domain = expression.FALSE_DOMAIN if has_control_chars(search) \
                else self._helpdesk_search_domain(search_in, search)
            domain = expression.AND([domain, search_domain])
        can_read = Ticket.check_access_rights('read', raise_exception=False)
        pager = portal_pager(
            url='/my/tickets',
            url_args={'sortby': sortby, 'filterby': filterby, 'groupby': groupby, 'search_in': search_in,
                      'search': search},
            total=Ticket.search_count(domain) if can_read else 0,
            page=page,
            step=self._items_per_page,
        )
        group_field = TICKET_GROUPBY_FIELDS.get(groupby)
        order = sortings[sortby]['order']
        if group_field:
            order = '%s, %s' % (group_field, order)
        tickets = Ticket.search(domain, order=order, limit=self._items_per_page, offset=pager['offset']) \
            if can_read else Ticket
        request.session['my_tickets_history'] = tickets.ids[:100]
        # what the rows show, read once for the page (team and agent names through sudo: names only)
        tickets.mapped('stage_id.name')
        tickets.sudo().mapped('team_id.name')
        tickets.sudo().mapped('user_id.name')
        if group_field:
            grouped_tickets = [Ticket.concat(*group) for __, group in groupbyelem(tickets, itemgetter(group_field))]
        else:
            grouped_tickets = [tickets] if tickets else []

        values.update({
            'grouped_tickets': grouped_tickets,
            'page_name': 'helpdesk_ticket',
            'default_url': '/my/tickets',
            'pager': pager,
            'searchbar_sortings': sortings,
            'searchbar_filters': filters,
            'searchbar_groupby': groupbys,
            'searchbar_inputs': inputs,
            'sortby': sortby,
            'filterby': filterby,
            'groupby': groupby,
            'search_in': search_in,
            'search': search,
            'helpdesk_form_teams': helpdesk_form_teams(),
        })
        return request.render('helpdesk_ce.portal_my_tickets', values)

    # ------------------------------------------------------------
    # Ticket page
    # ------------------------------------------------------------

    def _helpdesk_ticket_page_values(self, ticket_sudo, access_token, **kwargs):
        values = {
            'page_name': 'helpdesk_ticket',
            'ticket': ticket_sudo,
            'user': request.env.user,
            'can_close': ticket_sudo._portal_can_close(),
        }
        values = self._get_page_view_values(ticket_sudo, access_token, values, 'my_tickets_history', False, **kwargs)
        # the portal chatter reads and posts through the token, which shows public messages only; elsewhere (a
        # team that is not public: agents only) it runs with the user's own rights
        values['token'] = ticket_sudo._portal_token_allowed() and ticket_sudo._portal_ensure_token()
        return values

    @http.route('/my/tickets/<int:ticket_id>', type='http', auth='public', website=True)
    def portal_my_ticket(self, ticket_id, access_token=None, **kw):
        # a token that cannot be one is a wrong token (Odoo's comparison would raise on non-ASCII)
        access_token = access_token if is_token(access_token) else None
        try:
            ticket_sudo = self._document_check_access('helpdesk.ticket', ticket_id, access_token)
        except (AccessError, MissingError):
            return request.redirect('/my')
        values = self._helpdesk_ticket_page_values(ticket_sudo, access_token, **kw)
        return request.render('helpdesk_ce.portal_my_ticket', values)

    # CSRF is checked below: Odoo's own check raises on a non-ASCII token
    @http.route('/my/tickets/<int:ticket_id>/close', type='http', auth='public', methods=['POST'], website=True,
                csrf=False)
    def portal_ticket_close(self, ticket_id, access_token=None, csrf_token=None, **kw):
        """"Close ticket": by POST only with the CSRF token, where the team allows it."""
        if not validate_csrf(csrf_token):
            raise BadRequest(_("Your session expired: please reload the page and try again."))
        access_token = access_token if is_token(access_token) else None
        try:
            ticket_sudo = self._document_check_access('helpdesk.ticket', ticket_id, access_token)
        except (AccessError, MissingError):
            raise NotFound() from None
        if not ticket_sudo._portal_can_close():
            raise Forbidden(_("This ticket cannot be closed from the portal."))
        user = request.env.user
        if user._is_public():
            ticket_sudo._portal_close(ticket_sudo.partner_id)
        else:
            # still sudo, but the stage change is tracked in the user's name
            ticket_sudo.with_user(user).sudo()._portal_close(user.partner_id)
        url = '/my/tickets/%s' % ticket_sudo.id
        if access_token:
            url += '?' + urls.url_encode({'access_token': access_token})
        return request.redirect(url)

    # ------------------------------------------------------------
    # New ticket
    # ------------------------------------------------------------

    @http.route('/my/tickets/new', type='http', auth='user', methods=['GET', 'POST'], website=True, csrf=False,
                sitemap=False)
    def portal_new_ticket(self, **post):
        """My Account > Tickets > New Ticket: the user files a ticket as their own contact, in a public team
        with its form on. Only a POST with a valid CSRF token creates (checked with the other fields, so that
        a stale page comes back with what was typed); bad input shows the page again and creates nothing."""
        teams = helpdesk_form_teams()
        if not teams:
            raise NotFound()
        if request.httprequest.method != 'POST':
            values = {'team_id': parse_id(post.get('team_id'))}
            return self._helpdesk_new_ticket_render(teams, values)
        files = [f for f in request.httprequest.files.getlist('attachments') if f.filename]
        partner = request.env.user.partner_id
        values = {key: (post.get(key) or '').strip() for key in ('name', 'description')}
        values.update(partner_name=partner.name or '', partner_email=partner.email or '')
        team = teams if len(teams) == 1 else teams.filtered(lambda t: str(t.id) == post.get('team_id'))
        values['team_id'] = team.id
        errors = self._helpdesk_form_validate(post, values, files)
        if 'partner_name' in errors or 'partner_email' in errors:
            errors.pop('partner_name', None)
            errors.pop('partner_email', None)
            errors.setdefault('form', _(
                "Your contact details need a name and a valid email address, so that we can answer you: "
                "please complete them in My Account."))
        if not team:
            errors['team_id'] = _("Please choose the team your request is for.")
        if errors:
            return self._helpdesk_new_ticket_render(teams, values, errors, status=400)
        ticket = self._helpdesk_form_create_ticket(team, partner, partner, values, files)
        return request.redirect(self._helpdesk_form_portal_url(ticket) or '/my/tickets')

    def _helpdesk_new_ticket_render(self, teams, values, errors=None, status=200):
        page_values = self._prepare_portal_layout_values()
        page_values.update({
            'page_name': 'helpdesk_ticket_new',
            'teams': teams,
            'values': values,
            'errors': errors or {},
            'limits': self._helpdesk_form_limits_display(),
            'max_lengths': FIELD_MAX_LENGTHS,
            'honeypot_field': HONEYPOT_FIELD,
        })
        return request.render('helpdesk_ce.portal_new_ticket', page_values, status=status)
