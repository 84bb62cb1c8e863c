from . import test_ticket
from . import test_tours
from . import test_sla
from . import test_report
from . import test_dashboard
