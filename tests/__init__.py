from . import test_ticket
from . import test_tours
from . import test_mail_gateway
from . import test_portal
from . import test_form
from . import test_rating
from . import test_portal_tours
