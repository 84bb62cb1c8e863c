from contextlib import contextmanager

# cursor-local (never from a request's context): records a search just returned through the same user's rules
SEARCHED_KEY = 'helpdesk_ce.searched_readable'


def _scope(records):
    return records._name, records.env.uid, tuple(records.env.companies.ids)


@contextmanager
def searched_readable(records):
    """While a list page reads the records its search returned: their read rules were applied by that search,
    for the same user and companies, an instant before; they are not checked again (one query per page)."""
    cache = records.env.cr.cache
    cache[SEARCHED_KEY] = (_scope(records), frozenset(records._ids))
    try:
        yield records
    finally:
        cache.pop(SEARCHED_KEY, None)


def searched_readable_ids(model):
    """The ids of ``model``'s records that a list page of the same user and companies is reading after its search
    (see ``searched_readable``), else an empty set."""
    searched = model.env.cr.cache.get(SEARCHED_KEY)
    if searched and searched[0] == _scope(model):
        return searched[1]
    return frozenset()


def filter_read_access_in_sql(records, operation):
    """Check the read rules of stored ``records`` in one SQL query, as a search applies them; None otherwise.

    Odoo evaluates record rules in Python when it checks records already in memory (a list page reads the
    rows it just searched). The helpdesk rules go through the ticket's team, its members and followers and
    the ticket's followers: Python loads all of them for every row of the page, SQL answers from indexes.
    """
    if operation != 'read' or not records._ids or not all(isinstance(id_, int) for id_ in records._ids):
        return None
    if searched_readable_ids(records).issuperset(records._ids):
        return records
    records.env.flush_all()
    return records._filter_access_rules(operation)
