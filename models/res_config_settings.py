from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .helpdesk_ticket import DUPLICATE_THRESHOLD_DEFAULT, DUPLICATE_THRESHOLD_PARAM


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    helpdesk_duplicate_threshold = fields.Integer(
        'Duplicate Similarity Threshold', config_parameter=DUPLICATE_THRESHOLD_PARAM,
        default=DUPLICATE_THRESHOLD_DEFAULT,
        help="Open tickets whose subject is at least this similar (1-100) to a ticket's, or that have the same "
             "customer, are shown on it as possible duplicates.")

    @api.constrains('helpdesk_duplicate_threshold')
    def _check_helpdesk_duplicate_threshold(self):
        if any(not 1 <= settings.helpdesk_duplicate_threshold <= 100 for settings in self):
            raise ValidationError(_("The duplicate similarity threshold is a percentage, from 1 to 100."))
