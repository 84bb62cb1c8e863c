from odoo import fields, models

from .helpdesk_ticket import DUPLICATE_THRESHOLD_DEFAULT, DUPLICATE_THRESHOLD_PARAM


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    helpdesk_duplicate_threshold = fields.Integer(
        'Duplicate Similarity Threshold', config_parameter=DUPLICATE_THRESHOLD_PARAM,
        default=DUPLICATE_THRESHOLD_DEFAULT,
        help="Open tickets whose subject is at least this similar (1-100) to a ticket's, or that have the same "
             "customer, are shown on it as possible duplicates.")
