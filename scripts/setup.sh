# Sourced by demo.sh and test.sh: make ./.venv with evalstore installed (editable).
# Usage: setup_venv [extra]   e.g. setup_venv test  → pip install -e '.[test]'
# EVALSTORE_VENV overrides the location; PYTHON picks the interpreter.

find_python() {
    local candidates=("${PYTHON:-}" python3.13 python3.12 python3.11 python3 python)
    for p in "${candidates[@]}"; do
        [ -n "$p" ] || continue
        if command -v "$p" >/dev/null 2>&1 &&
           "$p" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
            echo "$p"; return 0
        fi
    done
    echo "evalstore needs Python 3.11 or newer; set PYTHON=/path/to/python3.11" >&2
    return 1
}

setup_venv() {
    local extra="${1:-}"
    VENV="${EVALSTORE_VENV:-$PWD/.venv}"
    if [ ! -x "$VENV/bin/python" ]; then
        local py; py="$(find_python)"
        echo "creating virtual environment in $VENV" >&2
        "$py" -m venv "$VENV"
        "$VENV/bin/python" -m pip install -q --upgrade pip >&2
    fi
    local spec="."; [ -n "$extra" ] && spec=".[$extra]"
    # reinstall only when pyproject.toml changed since the last successful install
    local stamp="$VENV/.evalstore-installed-$extra"
    local want; want="$(sha256sum pyproject.toml | cut -d' ' -f1) $PWD"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        echo "installing evalstore and its dependencies ($spec) into $VENV" >&2
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$spec" >&2
        echo "$want" > "$stamp"
    fi
}
