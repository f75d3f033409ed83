#!/usr/bin/env bash
# Quick start: set up ./.venv, build the demo study from sample_data/ into demo.db, start the app and, once it
# answers, print the admin password and a rater link as the last lines (after every line of set-up).
#   EVALSTORE_PORT (default 8501) · EVALSTORE_DEMO_DB (default demo.db) · --no-serve to stop after set-up
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_venv

PORT="${EVALSTORE_PORT:-8501}"
DB="${EVALSTORE_DEMO_DB:-demo.db}"
export EVALSTORE_BASE_URL="${EVALSTORE_BASE_URL:-http://localhost:$PORT}"

built="$("$VENV/bin/evalstore" demo "$DB" --force)"
password="$(grep '^admin password: ' <<<"$built")"
link="$(grep '^rater link: ' <<<"$built")"
grep -v -e '^admin password: ' -e '^rater link: ' <<<"$built" >&2

show_access() {
    echo
    echo "==> $1"
    echo "    admin pages: http://localhost:$PORT/ with the admin password"
    echo "    $password"
    echo "    $link"
}

if [ "${1:-}" = "--no-serve" ]; then
    show_access "demo database ready in $DB (start the app with: $VENV/bin/evalstore serve $DB --port $PORT)"
    exit 0
fi

# the app's own start-up lines come first; the password and the link follow once it answers
PYTHONUNBUFFERED=1 "$VENV/bin/evalstore" serve "$DB" --port "$PORT" >&2 &  # unbuffered: its lines in order
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if "$VENV/bin/python" - "$PORT" "$server" <<'EOF'
import os, sys, time, urllib.request

port, server = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        os.kill(server, 0)
    except OSError:
        sys.exit(1)  # the server stopped: its own message is above
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
            if r.status == 200:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.3)
sys.exit(1)
EOF
then
    show_access "the demo app is running; Ctrl+C stops it"
else
    echo "the app did not start on port $PORT (see above)" >&2
fi
wait "$server"
