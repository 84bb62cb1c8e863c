#!/usr/bin/env python3
"""Check the addon's translations: untranslated msgids of each .po, and whether the .pot is stale.

    python tools/i18n_check.py [--fresh FRESH.pot] [I18N_DIR]

For each i18n/*.po: how many msgids of helpdesk_ce.pot it lacks or leaves untranslated, which msgids it keeps
that the .pot no longer has, and which translations lose a placeholder (%s, %(name)s, {{ ... }}, t-out ...)
of their msgid. With --fresh (a .pot just exported from a database, as `make i18n-check` does): the msgids
added to or gone from the addon since the committed .pot. Exits 1 on any problem. tests/test_i18n.py uses
the same functions.
"""
import argparse
import os
import re
import sys

import polib

# what a translation must keep from its msgid: printf and named placeholders, Jinja/QWeb expressions,
# QWeb directives of email bodies; each counted, so that none is lost or doubled
PLACEHOLDERS = re.compile(r'%\([a-z_]+\)s|%[sd]|\{\{.*?\}\}|\bt-[a-z-]+=|<t\b|</t>')


def placeholders(text):
    return sorted(PLACEHOLDERS.findall(text))


def check_po(pot, po):
    """Problems of one .po against the .pot: {'missing': [...], 'untranslated': [...], 'obsolete': [...],
    'placeholders': [...]} (lists of msgids)."""
    translations = {entry.msgid: entry for entry in po if not entry.obsolete}
    wanted = {entry.msgid for entry in pot}
    problems = {
        'missing': [msgid for msgid in wanted if msgid not in translations],
        'untranslated': [msgid for msgid, entry in translations.items()
                         if msgid in wanted and (not entry.msgstr.strip() or 'fuzzy' in entry.flags)],
        'obsolete': [msgid for msgid in translations if msgid not in wanted],
        'placeholders': [],
    }
    for msgid, entry in translations.items():
        if entry.msgstr and placeholders(msgid) != placeholders(entry.msgstr):
            # an email body may drop a fallback such as `or 'there'`, never an expression nor a directive
            if not (msgid.lstrip().startswith('<') and _same_markup(msgid, entry.msgstr)):
                problems['placeholders'].append(msgid)
    return problems


def _same_markup(msgid, msgstr):
    strip = re.compile(r"""\s*or\s*'[^']*'""")
    return placeholders(strip.sub('', msgid)) == placeholders(strip.sub('', msgstr))


def compare_pot(pot, fresh):
    """msgids the addon has and the committed .pot lacks, and the reverse."""
    committed, current = {entry.msgid for entry in pot}, {entry.msgid for entry in fresh}
    return sorted(current - committed), sorted(committed - current)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('i18n_dir', nargs='?', default=os.path.join(os.path.dirname(__file__), '..', 'i18n'))
    parser.add_argument('--fresh', help="a .pot just exported from a database with the addon installed")
    args = parser.parse_args(argv)
    pot = polib.pofile(os.path.join(args.i18n_dir, 'helpdesk_ce.pot'))
    failed = False
    if args.fresh:
        added, gone = compare_pot(pot, polib.pofile(args.fresh))
        print("helpdesk_ce.pot: %d msgids, %d new in the addon, %d gone from it" % (len(pot), len(added), len(gone)))
        for msgid in added:
            print("    new:  %r" % msgid[:100])
        for msgid in gone:
            print("    gone: %r" % msgid[:100])
        failed |= bool(added or gone)
    for name in sorted(os.listdir(args.i18n_dir)):
        if not name.endswith('.po'):
            continue
        problems = check_po(pot, polib.pofile(os.path.join(args.i18n_dir, name)))
        print("%s: %d untranslated (%d missing, %d empty or fuzzy), %d obsolete, %d placeholder mismatches" % (
            name, len(problems['missing']) + len(problems['untranslated']), len(problems['missing']),
            len(problems['untranslated']), len(problems['obsolete']), len(problems['placeholders'])))
        for kind, msgids in problems.items():
            for msgid in msgids:
                print("    %s: %r" % (kind, msgid[:100]))
        failed |= any(problems.values())
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
