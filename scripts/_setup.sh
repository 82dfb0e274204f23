# Shared by scripts/test and scripts/demo: create .venv and install the project (only when pyproject changed).
# Needs only Python 3.11+ on the machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "error: mini-mentorship needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)" >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    echo "== creating .venv"
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.mini-mentorship-installed
want="$(cat pyproject.toml package-lock.json 2>/dev/null | sha256sum | cut -c1-16) ${1:-base}"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "== installing mini-mentorship${1:+ [$1]} into .venv"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${1:+[$1]}" 2>&1 \
        | grep -v -e '^WARNING: Location' -e 'BuildBackendWarning' || true
    .venv/bin/python -c 'import mini_mentorship' || { echo "error: installing the package failed" >&2; exit 1; }
    echo "$want" > "$stamp"
fi
