#!/usr/bin/env bash
# Shared steps of `make run`, `make test` and `make lint`: find Odoo, start PostgreSQL, prepare the venv,
# link this repository as the `helpdesk_ce` addon, write an Odoo configuration file, run the linters.
# Usage: tools/harness.sh {check|prepare|config NAME DBNAME PORT|lint [ruff|pylint]|oca}
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ODOO_HOME=${ODOO_HOME:-/opt/odoo17}
WORKDIR=${WORKDIR:-${XDG_CACHE_HOME:-$HOME/.cache}/helpdesk_ce/$(printf %s "$ROOT" | sha1sum | cut -c1-12)}
VENV=${VENV:-$WORKDIR/venv}
BUILD=${BUILD:-$WORKDIR/build}
LINT_VENV=${LINT_VENV:-$WORKDIR/lint-venv}

check_odoo() {
    local release="$ODOO_HOME/odoo/release.py"
    if [ ! -f "$release" ] || [ ! -f "$ODOO_HOME/odoo-bin" ]; then
        echo "helpdesk_ce: no Odoo source tree at ODOO_HOME=$ODOO_HOME." >&2
        echo "  Put an Odoo 17.0 Community tree there (odoo-bin and odoo/ at its top), or set ODOO_HOME." >&2
        exit 2
    fi
    if ! grep -qE "^version_info = \(17, 0" "$release"; then
        echo "helpdesk_ce: $ODOO_HOME holds an Odoo that is not 17.0 ($(grep -m1 '^version_info' "$release"))." >&2
        exit 2
    fi
}

ensure_postgres() {
    if ! pg_isready -q 2>/dev/null; then
        echo "helpdesk_ce: starting PostgreSQL"
        local version
        version=$(ls /etc/postgresql | sort -V | tail -n 1)
        pg_ctlcluster --skip-systemctl-redirect "$version" main start
        for _ in $(seq 1 30); do pg_isready -q && break; sleep 1; done
    fi
    local me
    me=$(id -un)
    if ! psql -d postgres -tAc 'select 1' >/dev/null 2>&1; then
        echo "helpdesk_ce: creating the PostgreSQL role $me"
        runuser -u postgres -- createuser --superuser "$me" 2>/dev/null \
            || su postgres -c "createuser --superuser $me"
    fi
}

ensure_venv() {
    local stamp="$VENV/.requirements.sha"
    local want
    want=$(sha1sum "$ROOT/tools/requirements.txt" | cut -d' ' -f1)
    if [ ! -x "$VENV/bin/python" ]; then
        echo "helpdesk_ce: creating the virtualenv $VENV"
        python3 -m venv "$VENV"
    fi
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        "$VENV/bin/pip" install -q --upgrade "pip<25" wheel
        "$VENV/bin/pip" install -q -r "$ROOT/tools/requirements.txt"
        echo "$want" > "$stamp"
    fi
}

ensure_lint_venv() {
    local stamp="$LINT_VENV/.requirements.sha"
    local want
    want=$(sha1sum "$ROOT/tools/lint-requirements.txt" | cut -d' ' -f1)
    if [ ! -x "$LINT_VENV/bin/python" ]; then
        python3 -m venv "$LINT_VENV"
    fi
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        echo "helpdesk_ce: installing the lint tools in $LINT_VENV"
        "$LINT_VENV/bin/pip" install -q -r "$ROOT/tools/lint-requirements.txt"
        echo "$want" > "$stamp"
    fi
}

# ruff (.ruff.toml) and pylint-odoo (.pylintrc) on the whole addon, as OCA's pre-commit runs them.
# Their caches stay out of the repository, which Odoo walks.
lint() {  # lint [ruff|pylint]
    ensure_lint_venv
    local status=0
    cd "$ROOT"
    if [ "${1:-ruff}" = ruff ] || [ -z "${1:-}" ]; then
        echo "helpdesk_ce: ruff"
        RUFF_CACHE_DIR="$WORKDIR/ruff-cache" "$LINT_VENV/bin/ruff" check . || status=1
    fi
    if [ "${1:-pylint}" = pylint ] || [ -z "${1:-}" ]; then
        echo "helpdesk_ce: pylint-odoo"
        PYLINTHOME="$WORKDIR/pylint-cache" "$LINT_VENV/bin/pylint" --rcfile=.pylintrc . || status=1
        [ $status = 0 ] && echo "helpdesk_ce: pylint-odoo: no findings"
    fi
    return $status
}

link_addon() {
    mkdir -p "$BUILD/addons" "$BUILD/data"
    ln -sfn "$ROOT" "$BUILD/addons/helpdesk_ce"
}

addons_path() {
    local path="$ODOO_HOME/odoo/addons"
    # a git checkout of Odoo keeps most addons in addons/, the nightly layout only in odoo/addons
    [ -d "$ODOO_HOME/addons" ] && path="$path,$ODOO_HOME/addons"
    echo "$path,$BUILD/addons"
}

write_config() {  # write_config NAME DBNAME HTTP_PORT
    local conf="$BUILD/$1.conf"
    cat > "$conf" <<CONF
[options]
addons_path = $(addons_path)
data_dir = $BUILD/data
db_name = $2
dbfilter = ^$2\$
http_port = $3
gevent_port = $(( $3 + 3 ))
list_db = False
max_cron_threads = 1
without_demo = False
CONF
    echo "$conf"
}

install_oca() {  # OCA helpdesk_mgmt 17.0, only for `make bench` to measure against (AGPL: never copied)
    if [ ! -f "$BUILD/oca/odoo/addons/helpdesk_mgmt/__manifest__.py" ]; then
        echo "helpdesk_ce: installing OCA helpdesk_mgmt 17.0 from PyPI into $BUILD/oca"
        "$VENV/bin/pip" install -q --no-deps --target "$BUILD/oca" 'odoo-addon-helpdesk-mgmt>=17.0,<17.1'
    fi
}

case "${1:-}" in
    check) check_odoo ;;
    prepare) check_odoo; ensure_postgres; ensure_venv; link_addon ;;
    config) write_config "$2" "$3" "$4" ;;
    oca) install_oca ;;
    lint) lint "${2:-}" ;;
    *) echo "usage: $0 {check|prepare|config NAME DBNAME PORT|lint [ruff|pylint]|oca}" >&2; exit 64 ;;
esac
