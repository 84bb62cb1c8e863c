"""How alike two tickets are, 0-100, from subject, description and customer.

PostgreSQL's pg_trgm computes the parts when the extension is there; the Python trigram functions below
mirror its algorithm (lower-cased alphanumeric words, padded with two spaces in front and one behind, Jaccard
index of the trigram sets) so that the fallback gives the same numbers on the tickets it is asked about.
"""
import re

# share of each part in the rating; a part missing on either ticket is left out and the others re-weighed
WEIGHTS = {'subject': 0.5, 'description': 0.3, 'customer': 0.2}
# descriptions are compared on their first characters: enough to spot a pasted duplicate, cheap to compute
DESCRIPTION_LENGTH = 2000

_TAG_RE = re.compile(r'<[^>]*>')
_WORD_RE = re.compile(r'[^\W_]+')

# The parts of each ticket as plain strings, used by the SQL below and mirrored by `ticket_parts()`.
_PARTS_SQL = """
    SELECT id, name AS subject, partner_id, lower(coalesce(partner_email, '')) AS email,
           lower(concat_ws(' ', partner_name, partner_email)) AS customer,
           left(regexp_replace(coalesce(description, ''), '<[^>]*>', ' ', 'g'), %(length)s) AS description
      FROM helpdesk_ticket
     WHERE id = ANY(%(ids)s)
"""

SIMILARITY_SQL = """
    WITH parts AS (%s)
    SELECT o.id,
           similarity(o.subject, r.subject),
           CASE WHEN btrim(o.description) <> '' AND btrim(r.description) <> ''
                THEN similarity(o.description, r.description) END,
           CASE WHEN o.partner_id = r.partner_id OR (o.email <> '' AND o.email = r.email) THEN 1.0
                WHEN btrim(o.customer) <> '' AND btrim(r.customer) <> ''
                THEN similarity(o.customer, r.customer) END
      FROM parts o, parts r
     WHERE r.id = %%(reference)s
""" % _PARTS_SQL


def trigrams(text):
    """The trigram set pg_trgm builds for `text`."""
    result = set()
    for word in _WORD_RE.findall((text or '').lower()):
        padded = '  %s ' % word
        result.update(padded[i:i + 3] for i in range(len(padded) - 2))
    return result


def trigram_similarity(text_a, text_b):
    """pg_trgm's similarity(): shared trigrams over all trigrams of both texts."""
    set_a, set_b = trigrams(text_a), trigrams(text_b)
    if not set_a or not set_b:
        return 0.0
    shared = len(set_a & set_b)
    return shared / (len(set_a) + len(set_b) - shared)


def ticket_parts(ticket):
    """The same strings as `_PARTS_SQL`, read from a record."""
    return {
        'subject': ticket.name or '',
        'partner_id': ticket.partner_id.id,
        'email': (ticket.partner_email or '').lower(),
        'customer': ' '.join(filter(None, [ticket.partner_name, ticket.partner_email])).lower(),
        'description': _TAG_RE.sub(' ', ticket.description or '')[:DESCRIPTION_LENGTH],
    }


def python_components(parts, reference):
    """Subject, description and customer similarities (None when not comparable), like SIMILARITY_SQL."""
    description = customer = None
    if parts['description'].strip() and reference['description'].strip():
        description = trigram_similarity(parts['description'], reference['description'])
    if (parts['partner_id'] and parts['partner_id'] == reference['partner_id']) or \
            (parts['email'] and parts['email'] == reference['email']):
        customer = 1.0
    elif parts['customer'].strip() and reference['customer'].strip():
        customer = trigram_similarity(parts['customer'], reference['customer'])
    return trigram_similarity(parts['subject'], reference['subject']), description, customer


def combine(subject, description, customer):
    """Weighted mean of the parts both tickets have, as an integer from 0 to 100."""
    scored = [(WEIGHTS['subject'], subject or 0.0)]
    if description is not None:
        scored.append((WEIGHTS['description'], description))
    if customer is not None:
        scored.append((WEIGHTS['customer'], customer))
    total = sum(weight for weight, _score in scored)
    return round(100 * sum(weight * score for weight, score in scored) / total)
