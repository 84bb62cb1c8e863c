from . import test_ticket
from . import test_tours
from . import test_merge
from . import test_convert_lead
