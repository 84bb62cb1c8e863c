from . import helpdesk_ticket_merge_line
from . import helpdesk_ticket_merge
from . import helpdesk_ticket_convert_lead
from . import mail_compose_message
from . import helpdesk_ticket_assign
