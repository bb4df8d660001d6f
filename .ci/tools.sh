# shellcheck shell=bash
# Lint tools: a virtualenv (requirements-lint.txt) and node_modules (package-lock.json), each
# cached under $STATE_DIR by the hash of its pin file, so a fresh clone reuses them at once and a
# changed pin installs anew. Sourced by .ci/lint and .ci/tool; needs common.sh first.

LINT_CACHE="$STATE_DIR/lint"

_pin_hash() { sha256sum "$1" | cut -c1-16; }

lint_tools_paths() {
    PY_TOOLS="$LINT_CACHE/py-$(_pin_hash "$ROOT/.ci/requirements-lint.txt")"
    NODE_TOOLS="$LINT_CACHE/node-$(_pin_hash "$ROOT/.ci/package-lock.json")"
}

install_lint_tools() {
    lint_tools_paths
    # A stamp written last marks a finished install: an interrupted one is redone.
    if [ ! -f "$PY_TOOLS/.installed" ]; then
        say "Installing the Python lint tools into $PY_TOOLS"
        rm -rf "$PY_TOOLS"
        python3 -m venv "$PY_TOOLS"
        "$PY_TOOLS/bin/pip" install -q --disable-pip-version-check \
            -r "$ROOT/.ci/requirements-lint.txt" 2>&1 | { grep -v "^WARNING: Location" || true; } >&2
        touch "$PY_TOOLS/.installed"
    fi
    if [ ! -f "$NODE_TOOLS/.installed" ]; then
        say "Installing the JS/XML lint tools into $NODE_TOOLS"
        rm -rf "$NODE_TOOLS"
        mkdir -p "$NODE_TOOLS"
        cp "$ROOT/.ci/package.json" "$ROOT/.ci/package-lock.json" "$NODE_TOOLS/"
        (cd "$NODE_TOOLS" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
        touch "$NODE_TOOLS/.installed"
    fi
    link_node_modules
}

# Prettier loads its XML plugin and eslint its config modules from the repository, hence the
# .ci/node_modules link (ignored by git) to the cached install.
link_node_modules() {
    if [ ! -d "$ROOT/.ci/node_modules" ] || [ -L "$ROOT/.ci/node_modules" ]; then
        ln -sfn "$NODE_TOOLS/node_modules" "$ROOT/.ci/node_modules"
    fi
}

use_lint_tools() {
    lint_tools_paths
    if [ ! -f "$PY_TOOLS/.installed" ] || [ ! -f "$NODE_TOOLS/.installed" ]; then
        echo "error: lint tools are missing or outdated: run .ci/lint once" >&2
        exit 2
    fi
    link_node_modules
    PATH="$PY_TOOLS/bin:$NODE_TOOLS/node_modules/.bin:$PATH"
    export PATH
}
