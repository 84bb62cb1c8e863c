from . import form
from . import portal
from . import rating
from . import mail
