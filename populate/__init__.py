from . import helpdesk_tag
from . import helpdesk_team
from . import helpdesk_sla
from . import helpdesk_ticket
