import logging

from odoo import Command, models
from odoo.tools import populate

_logger = logging.getLogger(__name__)

# agents and customers made for the population, found again by their addresses
AGENT_LOGIN = 'helpdesk_populate_agent_%s'
CUSTOMER_EMAIL_DOMAIN = 'customers.helpdesk-populate.example.com'
POPULATION = {
    # size: (agents, customers)
    'small': (5, 50),
    'medium': (30, 1000),
    'large': (100, 10000),
}


class HelpdeskTeam(models.Model):
    _inherit = 'helpdesk.team'
    _populate_sizes = {'small': 2, 'medium': 10, 'large': 50}

    def _populate(self, size):
        self._populate_people(size)
        return super()._populate(size)

    def _populate_people(self, size):
        """Agents to work the teams and customers to write in: a population of their own, made once."""
        agents_count, customers_count = POPULATION[size]
        Users = self.env['res.users'].with_context(no_reset_password=True, tracking_disable=True)
        existing = set(Users.search([('login', '=like', AGENT_LOGIN % '%')]).mapped('login'))
        group = self.env.ref('helpdesk_ce.group_helpdesk_user_own')
        Users.create([{
            'name': 'Helpdesk Agent %s' % n,
            'login': AGENT_LOGIN % n,
            'email': 'agent%s@helpdesk-populate.example.com' % n,
            'groups_id': [Command.set([group.id])],
        } for n in range(agents_count) if AGENT_LOGIN % n not in existing])
        Partners = self.env['res.partner'].with_context(tracking_disable=True)
        existing = Partners.search_count([('email', '=like', '%@' + CUSTOMER_EMAIL_DOMAIN)])
        for start in range(existing, customers_count, 1000):
            _logger.info('Helpdesk customers: %s/%s', start, customers_count)
            Partners.create([{
                'name': 'Customer %s' % n,
                'email': 'customer%s@%s' % (n, CUSTOMER_EMAIL_DOMAIN),
            } for n in range(start, min(start + 1000, customers_count))])

    def _populate_factories(self):
        agent_ids = self.env['res.users'].search([('login', '=like', AGENT_LOGIN % '%')]).ids

        def get_members(random, **kwargs):
            return [Command.set(random.sample(agent_ids, min(len(agent_ids), random.randint(2, 8))))]

        return [
            ('name', populate.constant('Helpdesk Team {counter}')),
            ('privacy_visibility', populate.randomize(['portal', 'internal', 'invited_internal'], [0.6, 0.3, 0.1])),
            ('use_sla', populate.randomize([True, False], [0.8, 0.2])),
            ('use_rating', populate.randomize([True, False], [0.7, 0.3])),
            ('auto_assignment', populate.randomize([True, False], [0.3, 0.7])),
            ('member_ids', populate.compute(get_members)),
            ('color', populate.randomize(list(range(12)))),
        ]
