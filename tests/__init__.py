from . import test_ticket
from . import test_visibility
from . import test_rpc
from . import test_team
from . import test_tours
