#!/usr/bin/env bash
# Upgrade test: install the last release before the security fixes (with demo data), put the database in the
# state the old access model left (members and customers following teams and every ticket), upgrade it to
# this tree, and check the result (tools/upgrade_check.py). Usage: make test-upgrade
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
: "${ODOO_HOME:?}" "${VENV:?}" "${BUILD:?}"
BASE=${UPGRADE_BASE:-31615b4}   # 17.0.1.0.0, the release before access came from the record rules
DB=${UPGRADE_DB:-helpdesk_ce_upgrade}
PORT=${UPGRADE_PORT:-8189}
HERE="$BUILD/upgrade"

if ! git -C "$ROOT" cat-file -e "$BASE^{commit}" 2>/dev/null; then
    git -C "$ROOT" fetch -q --unshallow 2>/dev/null || true
fi
if ! git -C "$ROOT" cat-file -e "$BASE^{commit}" 2>/dev/null; then
    echo "helpdesk_ce: WARNING: the base release $BASE is not in this clone's history (shallow clone):" \
         "the upgrade test cannot run here" >&2
    exit 0
fi
rm -rf "$HERE" && mkdir -p "$HERE/base/helpdesk_ce" "$HERE/data"
git -C "$ROOT" archive "$BASE" | tar -x -C "$HERE/base/helpdesk_ce"

write_conf() {  # write_conf FILE ADDONS
    cat > "$1" <<CONF
[options]
addons_path = $ODOO_HOME/odoo/addons,$2
data_dir = $HERE/data
db_name = $DB
dbfilter = ^$DB\$
http_port = $PORT
list_db = False
CONF
}
write_conf "$HERE/old.conf" "$HERE/base"
write_conf "$HERE/new.conf" "$BUILD/addons"
ODOO="env PYTHONPATH=$ODOO_HOME $VENV/bin/python $ODOO_HOME/odoo-bin"
CHECK="env PYTHONPATH=$ODOO_HOME $VENV/bin/python $ROOT/tools/upgrade_check.py"

dropdb --if-exists "$DB"
echo "helpdesk_ce: installing release $BASE with demo data in $DB"
$ODOO -c "$HERE/old.conf" -i helpdesk_ce --stop-after-init --log-level=warn > "$HERE/install.log" 2>&1 \
    || { tail -50 "$HERE/install.log"; exit 1; }
$CHECK "$HERE/old.conf" "$DB" before
echo "helpdesk_ce: upgrading $DB to this tree"
$ODOO -c "$HERE/new.conf" -u helpdesk_ce --stop-after-init --log-level=warn > "$HERE/upgrade.log" 2>&1 \
    || { tail -50 "$HERE/upgrade.log"; exit 1; }
if grep -E " (ERROR|CRITICAL) " "$HERE/upgrade.log"; then echo "helpdesk_ce: the upgrade logged errors"; exit 1; fi
$CHECK "$HERE/new.conf" "$DB" after
