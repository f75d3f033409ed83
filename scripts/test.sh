#!/usr/bin/env bash
# Set up ./.venv with the test extra and run the whole test suite (browser tests included).
# Extra arguments go to pytest, e.g. scripts/test.sh -k importing  or  scripts/test.sh --run-slow
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_venv test

if [ ! -x "${EVALSTORE_CHROMIUM:-/usr/bin/chromium}" ]; then
    # the browser tests drive Debian's chromium (never a downloaded browser build)
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
        echo "installing Debian's chromium for the browser tests" >&2
        apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }
    else
        echo "the browser tests need chromium at /usr/bin/chromium: sudo apt-get install chromium" >&2
        exit 1
    fi
fi
exec "$VENV/bin/python" -m pytest "$@"
