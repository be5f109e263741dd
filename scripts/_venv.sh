# Sourced by scripts/start and scripts/test: makes .venv with the project installed.
# Usage: ensure_venv EXTRAS   (EXTRAS: "" or "test")
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

# The Microsoft 365 Agents SDK (Teams) needs Python 3.12 or newer for its 1.x releases.
MIN_PYTHON="3.12"
is_recent_python() {
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}

# Prints a Python 3.12+ interpreter: on the PATH by name (a pyenv shim that has no such version
# fails the check and is passed over), else one installed by pyenv, else by uv.
pick_python() {
  local candidate pyenv_root
  for candidate in python3.12 python3.13 python3.14 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && is_recent_python "$candidate"; then
      echo "$candidate"; return 0
    fi
  done
  pyenv_root="$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")"
  for candidate in "$pyenv_root"/versions/3.1[2-9]*/bin/python3.1[2-9] \
                   "$HOME"/.local/share/uv/python/cpython-3.1[2-9]*/bin/python3.1[2-9]; do
    if [ -x "$candidate" ] && is_recent_python "$candidate"; then
      echo "$candidate"; return 0
    fi
  done
  cat >&2 <<MESSAGE
policybot needs Python $MIN_PYTHON or newer, and none was found (tried python3.12, python3.13,
python3.14 and python3 on the PATH, then pyenv's and uv's installed versions).
Install one, then run this again:
  Debian 13 / Ubuntu 24.04:  sudo apt-get install python3 python3-venv
  (Debian 12 ships 3.11: use pyenv or uv)
  macOS (Homebrew):          brew install python@3.12
  pyenv:                     pyenv install 3.12
  uv:                        uv python install 3.12
MESSAGE
  return 1
}

ensure_venv() {
  local extras="$1" spec="$ROOT" stamp
  [ -n "$extras" ] && spec="$ROOT[$extras]"
  if [ -x "$VENV/bin/python" ] && ! is_recent_python "$VENV/bin/python"; then
    # Made by an earlier release on Python 3.11: the Agents SDK cannot install there.
    echo "Rebuilding $VENV on Python $MIN_PYTHON or newer" >&2
    rm -rf "$VENV"
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    local python
    python="$(pick_python)"
    "$python" -m venv "$VENV"
  fi
  # Reinstall only when pyproject.toml changed since the last install of these extras.
  stamp="$VENV/.installed-${extras:-base}"
  if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$spec"
    touch "$stamp"
  fi
}
