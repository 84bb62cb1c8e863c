from . import helpdesk_stage
from . import helpdesk_tag
from . import helpdesk_ticket_category
from . import helpdesk_team
from . import helpdesk_ticket
from . import res_users
from . import mail_thread
from . import res_config_settings
