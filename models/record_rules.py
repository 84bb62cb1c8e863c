def filter_read_access_in_sql(records, operation):
    """Check the read rules of stored ``records`` in one SQL query, as a search applies them; None otherwise.

    Odoo evaluates record rules in Python when it checks records already in memory (a list page reads the
    rows it just searched). The helpdesk rules go through the ticket's team, its members and followers and
    the ticket's followers: Python loads all of them for every row of the page, SQL answers from indexes.
    """
    if operation == 'read' and records._ids and all(isinstance(id_, int) for id_ in records._ids):
        records.env.flush_all()
        return records._filter_access_rules(operation)
    return None
