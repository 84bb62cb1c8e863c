import re

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import HelpdeskHttpCommon


@tagged('post_install', '-at_install')
class TestRatings(HelpdeskHttpCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_public.write({'use_rating': True, 'rating_publish': True})
        cls.ticket = cls._create_ticket(
            cls.team_public, name='Paula printer jam', partner_id=cls.portal.partner_id.id, user_id=cls.agent.id)
        cls.ratings_url = '/helpdesk/%s/ratings' % cls.team_public.id

    def _rate(self, ticket, value, feedback):
        token = ticket._rating_get_access_token()
        ticket.rating_apply(value, token=token, feedback=feedback)
        return self.env['rating.rating'].search([('access_token', '=', token)])

    def test_customer_rates_through_the_token_page(self):
        token = self.ticket._rating_get_access_token()
        self.authenticate(None, None)
        response = self.url_open('/rate/%s/5' % token)
        self.assertEqual(response.status_code, 200)
        rating = self.env['rating.rating'].search([('access_token', '=', token)])
        self.assertTrue(rating.consumed)
        self.assertEqual(rating.rating, 5)
        self.assertEqual(rating.rated_partner_id, self.agent.partner_id)
        csrf_token = re.search(r'name="csrf_token"\s+value="([^"]+)"', response.text).group(1)
        response = self.url_open('/rate/%s/submit_feedback' % token, data={
            'rate': 5, 'feedback': 'Quick and kind', 'csrf_token': csrf_token})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(rating.feedback, 'Quick and kind')
        message = rating.message_id
        self.assertEqual(message.model, 'helpdesk.ticket')
        self.assertEqual(message.res_id, self.ticket.id)
        self.assertEqual(message.author_id, self.portal.partner_id)
        self.assertIn('Quick and kind', message.body)
        self.assertEqual(self.ticket.rating_last_value, 5)

    @mute_logger('odoo.http')
    def test_wrong_rating_token(self):
        self.authenticate(None, None)
        self.assertEqual(self.url_open('/rate/not-a-token/5').status_code, 404)

    def test_team_ratings_page(self):
        other = self._create_ticket(self.team_public, name='Pete lost his keys', partner_id=self.portal_2.partner_id.id,
                                    user_id=self.agent_2.id)
        old = self._create_ticket(self.team_public, name='Ancient history', partner_id=self.portal_2.partner_id.id,
                                  user_id=self.agent_2.id)
        self._rate(self.ticket, 5, 'Secret praise from Paula')
        self._rate(other, 1, 'Rude answer')
        old_rating = self._rate(old, 1, 'Too old')
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE rating_rating SET write_date = now() - interval '40 days' WHERE id = %s", [old_rating.id])
        self.env.invalidate_all()

        self.authenticate(None, None)
        response = self.url_open(self.ratings_url)
        self.assertEqual(response.status_code, 200)
        page = response.text
        self.assertIn('Agent Smith', page)
        self.assertIn('Agent Jones', page)
        self.assertEqual(page.count('o_helpdesk_rating_row'), 2, "the last 30 days only")
        self.assertIn('50%', page)
        for private in ('Secret praise', 'Rude answer', 'Too old', 'Paula printer jam', 'Pete lost his keys',
                        'Portal Paula', 'Portal Pete', self.ticket.ticket_ref):
            self.assertNotIn(private, page)
        slug_url = '/helpdesk/public-team-%s/ratings' % self.team_public.id
        self.assertEqual(self.url_open(slug_url).status_code, 200)

    def test_team_ratings_page_not_found(self):
        self.team_company.write({'use_rating': True, 'rating_publish': True})
        self.authenticate(None, None)
        self.assertEqual(self.url_open('/helpdesk/%s/ratings' % self.team_company.id).status_code, 404)
        self.team_public.rating_publish = False
        self.assertEqual(self.url_open(self.ratings_url).status_code, 404)
        self.team_public.write({'rating_publish': True, 'use_rating': False})
        self.assertEqual(self.url_open(self.ratings_url).status_code, 404)
        self.team_public.use_rating = True
        self.assertEqual(self.url_open(self.ratings_url).status_code, 200)
