from . import form
from . import mail
from . import portal
from . import rating
