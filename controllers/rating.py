from datetime import timedelta

from werkzeug.exceptions import BadRequest

from odoo import _, fields, http
from odoo.http import request

from odoo.addons.rating.controllers.main import Rating
from odoo.addons.rating.models import rating_data

from .form import helpdesk_public_team
from .utils import CONTROL_CHARS_RE, is_token, not_found, validate_csrf

RATING_PAGE_DAYS = 30
RATING_PAGE_LIMIT = 100


class HelpdeskRating(Rating):
    """Odoo's rating links, which our rating emails use: a token that cannot be one is not found, a rate other
    than 1, 3 or 5 is a bad request (Odoo raises ValueError on both, a server error), for every rated model."""

    @http.route()
    def action_open_rating(self, token, rate, **kwargs):
        if not is_token(token):
            return not_found(token)
        if rate not in (1, 3, 5):
            raise BadRequest(_("A rating is 1, 3 or 5."))
        return super().action_open_rating(token, rate, **kwargs)

    # CSRF is checked below: Odoo's own check raises on a non-ASCII token
    @http.route(csrf=False)
    def action_submit_rating(self, token, rate=0, **kwargs):
        if not is_token(token):
            return not_found(token)
        if request.httprequest.method == 'POST':
            if not validate_csrf(kwargs.pop('csrf_token', None)):
                raise BadRequest(_("Your session expired: please reload the page and try again."))
            if rate not in ('1', '3', '5', 1, 3, 5):
                raise BadRequest(_("A rating is 1, 3 or 5."))
            if isinstance(kwargs.get('feedback'), str):
                kwargs['feedback'] = CONTROL_CHARS_RE.sub('', kwargs['feedback'])
        return super().action_submit_rating(token, rate=rate, **kwargs)


class HelpdeskTeamRatings(http.Controller):

    @http.route('/helpdesk/<string:team>/ratings', type='http', auth='public', website=True, sitemap=False)
    def helpdesk_team_ratings(self, team, **kwargs):
        """The ratings of a public team over the last 30 days: grades and agents, never comments or customers."""
        team_sudo = helpdesk_public_team(team, 'use_rating', 'rating_publish')
        if not team_sudo:
            return not_found(team)
        Rating = request.env['rating.rating'].sudo()
        domain = [
            ('parent_res_model', '=', 'helpdesk.team'),
            ('parent_res_id', '=', team_sudo.id),
            ('res_model', '=', 'helpdesk.ticket'),
            ('consumed', '=', True),
            ('rating', '>=', rating_data.RATING_LIMIT_MIN),
            ('write_date', '>=', fields.Datetime.now() - timedelta(days=RATING_PAGE_DAYS)),
        ]
        counts = dict(Rating._read_group(domain, ['rating_text'], ['__count']))
        total = sum(counts.values())
        labels = dict(Rating._fields['rating_text']._description_selection(request.env))
        grades = [
            {'key': key, 'label': labels[key], 'count': counts.get(key, 0),
             'percent': round(100.0 * counts.get(key, 0) / total) if total else 0,
             'image_url': '/rating/static/src/img/rating_%s.png' % value}
            for key, value in (('top', 5), ('ok', 3), ('ko', 1))
        ]
        ratings = Rating.search(domain, order='write_date desc, id desc', limit=RATING_PAGE_LIMIT)
        return request.render('helpdesk_ce.helpdesk_team_ratings_page', {
            'team': team_sudo,
            'grades': grades,
            'total': total,
            'days': RATING_PAGE_DAYS,
            # only what may be public: when, how, and the agent who was rated
            'ratings': [{
                'date': rating.write_date,
                'label': labels.get(rating.rating_text),
                'image_url': rating.rating_image_url,
                'agent': rating.rated_partner_id.name,
            } for rating in ratings],
        })
