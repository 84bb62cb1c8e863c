from odoo import models
from odoo.tools import populate


class HelpdeskTag(models.Model):
    _inherit = 'helpdesk.tag'
    _populate_sizes = {'small': 10, 'medium': 30, 'large': 100}

    def _populate_factories(self):
        return [
            ('name', populate.constant('helpdesk_tag_{counter}')),
            ('color', populate.randomize(list(range(12)))),
        ]
