#!/usr/bin/env bash
# Quick start: set up ./.venv, build the demo study from sample_data/ into demo.db,
# print the admin password and a rater link, and start the app.
#   EVALSTORE_PORT (default 8501) · EVALSTORE_DEMO_DB (default demo.db) · --no-serve to stop after set-up
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_venv

PORT="${EVALSTORE_PORT:-8501}"
DB="${EVALSTORE_DEMO_DB:-demo.db}"
export EVALSTORE_BASE_URL="${EVALSTORE_BASE_URL:-http://localhost:$PORT}"

"$VENV/bin/evalstore" demo "$DB" --force
if [ "${1:-}" = "--no-serve" ]; then
    exit 0
fi
echo "open the rater link above, or http://localhost:$PORT/ with the admin password; Ctrl+C stops the app"
exec "$VENV/bin/evalstore" serve "$DB" --port "$PORT"
