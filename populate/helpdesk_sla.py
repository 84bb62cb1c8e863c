from odoo import Command, models
from odoo.tools import populate


class HelpdeskSLA(models.Model):
    _inherit = 'helpdesk.sla'
    _populate_sizes = {'small': 4, 'medium': 20, 'large': 100}
    _populate_dependencies = ['helpdesk.team', 'helpdesk.tag']

    def _populate_factories(self):
        team_ids = self.env.registry.populated_models['helpdesk.team']
        tag_ids = self.env.registry.populated_models['helpdesk.tag']
        solved = self.env.ref('helpdesk_ce.stage_solved')
        in_progress = self.env.ref('helpdesk_ce.stage_in_progress')
        waiting = self.env.ref('helpdesk_ce.stage_waiting')

        def get_stage(random, values, **kwargs):
            return (random.choice([in_progress, solved]).id if values['target_type'] == 'stage' else False)

        def get_tags(random, **kwargs):
            return [Command.set(random.sample(tag_ids, 1))] if random.random() < 0.2 else []

        return [
            ('team_id', populate.iterate(team_ids)),
            ('name', populate.constant('SLA {counter}')),
            ('target_type', populate.randomize(['stage', 'first_response'], [0.7, 0.3])),
            ('stage_id', populate.compute(get_stage)),
            ('priority', populate.randomize([False, '0', '1', '2', '3'], [0.4, 0.1, 0.1, 0.2, 0.2])),
            ('tag_ids', populate.compute(get_tags)),
            ('exclude_stage_ids', populate.randomize([[], [Command.set(waiting.ids)]], [0.5, 0.5])),
            ('time', populate.randomize([2.0, 4.0, 8.0, 16.0, 24.0, 40.0])),
        ]
