from . import test_ticket
from . import test_tours
from . import test_assignment
from . import test_stage_templates
from . import test_auto_close
