# shellcheck shell=bash
# Shared by .ci/serve, .ci/test and bench/run: dependencies, PostgreSQL, Odoo's command line.
# Odoo itself is never installed here: it must already be importable by python3.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# .ci/pytest_islebooks.py, the test command's pytest plugin.
export PYTHONPATH="$ROOT/.ci${PYTHONPATH:+:$PYTHONPATH}"
STATE_DIR=${ISLEBOOKS_STATE_DIR:-$HOME/.cache/islebooks}
PGHOST=127.0.0.1
PGPORT=${ISLEBOOKS_PGPORT:-5432}
PGUSER=islebooks
PGPASSWORD=islebooks
export PGHOST PGPORT PGUSER PGPASSWORD
mkdir -p "$STATE_DIR"

# The repository's addons (every directory with a manifest): the main addon and its glue
# addons. The test command installs and tests them all; translations are checked per addon.
repo_addons() {
    local manifest
    for manifest in "$ROOT"/*/__manifest__.py; do
        basename "$(dirname "$manifest")"
    done
}

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

require_odoo() {
    if ! python3 -c "import odoo" 2>/dev/null; then
        echo "error: Odoo 18.0 is not importable by '$(command -v python3)': install Odoo 18.0 Community into this Python first (see README)." >&2
        exit 2
    fi
}

install_deps() {
    local want=(postgresql chromium wkhtmltopdf poppler-utils fonts-dejavu-core)
    local missing=()
    for pkg in "${want[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
    done
    if ((${#missing[@]})); then
        say "Installing Debian packages: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    if ! python3 -c "import phonenumbers, qrcode, num2words, websocket, coverage, pytest_odoo, xdist" 2>/dev/null \
        || ! python3 -c "import pkg_resources; pkg_resources.require('gevent')" 2>/dev/null; then
        say "Installing Python packages"
        python3 -m pip install -q --disable-pip-version-check -r "$ROOT/.ci/requirements.txt"
    fi
}

as_postgres() {
    runuser -u postgres -- env -u PGHOST -u PGUSER -u PGPASSWORD PGPORT="$PGPORT" "$@"
}

start_postgres() {
    local cluster
    cluster=$(pg_lsclusters --no-header 2>/dev/null | awk '$1 == 15 {print $2; exit}')
    if [ -z "$cluster" ]; then
        say "Creating the PostgreSQL 15 cluster"
        pg_createcluster 15 main >/dev/null
        cluster=main
    fi
    if ! pg_lsclusters --no-header | awk -v c="$cluster" '$1 == 15 && $2 == c' | grep -q online; then
        say "Starting PostgreSQL on loopback"
        pg_ctlcluster 15 "$cluster" start
    fi
    PGPORT=$(pg_lsclusters --no-header | awk -v c="$cluster" '$1 == 15 && $2 == c {print $3}')
    export PGPORT
    # Odoo refuses to run as the 'postgres' superuser: it gets a role of its own.
    as_postgres psql -qtAc "SELECT 1 FROM pg_roles WHERE rolname = '$PGUSER'" | grep -q 1 \
        || as_postgres psql -qc "CREATE ROLE $PGUSER LOGIN CREATEDB PASSWORD '$PGPASSWORD'"
}

addons_path() {
    python3 - "$ROOT" <<'PY'
import os, sys
import odoo
paths = [sys.argv[1]]
source_root = os.path.dirname(os.path.dirname(os.path.abspath(odoo.__file__)))
for candidate in (os.path.join(source_root, "addons"), os.path.join(os.path.dirname(odoo.__file__), "addons")):
    if os.path.isdir(os.path.join(candidate, "account_payment")):
        paths.append(candidate)
print(",".join(dict.fromkeys(paths)))
PY
}

odoo_args() {
    echo --db_host="$PGHOST" --db_port="$PGPORT" --db_user="$PGUSER" --db_password="$PGPASSWORD" \
        --addons-path="$(addons_path)" --data-dir="$STATE_DIR/data"
}

# Odoo's configuration file for tools that take no command line of ours (pytest-odoo).
odoo_rc() {
    cat >"$1" <<RC
[options]
db_host = $PGHOST
db_port = $PGPORT
db_user = $PGUSER
db_password = $PGPASSWORD
addons_path = $(addons_path)
data_dir = $STATE_DIR/data
http_interface = 127.0.0.1
max_cron_threads = 0
RC
}

# pytest-odoo's arguments for database $2 with configuration file $1 (see odoo_rc).
pytest_odoo_args() {
    echo -p no:cacheprovider -p pytest_islebooks --odoo-config="$1" --odoo-database="$2" --odoo-http
}

db_exists() {
    psql -d postgres -qtAc "SELECT 1 FROM pg_database WHERE datname = '$1'" | grep -q 1
}
