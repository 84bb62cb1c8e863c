from . import controllers
from . import models
from . import wizard
from . import report
from . import populate


def pre_init_hook(env):
    """Similarity search (merge wizard, duplicate hint) and trigram indexes need pg_trgm from the start."""
    env.cr.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    env.registry.has_trigram = True
