# Sourced by scripts/start and scripts/test: makes .venv with the project installed.
# Usage: ensure_venv EXTRAS   (EXTRAS: "" or "test")
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

# The Microsoft 365 Agents SDK (Teams) needs Python 3.12 or newer for its 1.x releases.
MIN_PYTHON="3.12"
# Debian 12 ships Python 3.11 and Ubuntu 22.04 ships 3.10: there uv, installed from PyPI into a
# venv of its own, installs a Python 3.12. Both live outside the checkout, so every clone on the
# machine shares them; uv's own settings (UV_PYTHON_INSTALL_DIR, UV_PYTHON_INSTALL_MIRROR) apply.
UV_TOOL_VENV="${XDG_CACHE_HOME:-$HOME/.cache}/policybot/uv"
UV_PYTHONS="${UV_PYTHON_INSTALL_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/uv/python}"

say() { echo "$*" >&2; }

is_recent_python() {
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}

# Prints a Python 3.12+ already on this machine: on the PATH by name (a pyenv shim that has no
# such version fails the check and is passed over), else one installed by pyenv, else by uv.
find_python() {
  local candidate pyenv_root
  for candidate in python3.12 python3.13 python3.14 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && is_recent_python "$candidate"; then
      echo "$candidate"; return 0
    fi
  done
  pyenv_root="$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")"
  for candidate in "$pyenv_root"/versions/3.1[2-9]*/bin/python3.1[2-9] \
                   "$UV_PYTHONS"/cpython-3.1[2-9]*/bin/python3.1[2-9]; do
    if [ -x "$candidate" ] && is_recent_python "$candidate"; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

# Runs a command as root: as it is when we are root, else through sudo only when sudo needs no
# password, so that nothing ever waits at a prompt (CI has no terminal).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    return 1
  fi
}

# Installs Debian packages (apt's errors shown, its progress not), or says the command to run
# where that needs a password.
install_debian_packages() {
  if ! as_root apt-get update -qq >&2 \
     || ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; then
    say "Could not install $* with apt-get. Run this, then run this script again:"
    say "    sudo apt-get install $*"
    return 1
  fi
}

# Makes the venv that holds uv, with whatever python3 the machine has. Debian and Ubuntu leave
# venv's pip bootstrap (ensurepip) out of python3: it comes with their python3-venv package.
make_uv_tool_venv() {
  if command -v python3 >/dev/null 2>&1 && python3 -m venv "$UV_TOOL_VENV" >/dev/null 2>&1; then
    return 0
  fi
  rm -rf "$UV_TOOL_VENV"
  command -v apt-get >/dev/null 2>&1 || return 1
  say "Installing python3-venv with apt-get, to make a venv for uv"
  install_debian_packages python3-venv || return 1
  python3 -m venv "$UV_TOOL_VENV" >&2 || { rm -rf "$UV_TOOL_VENV"; return 1; }
}

# Prints the path of uv, installing it from PyPI the first time.
find_or_install_uv() {
  if [ ! -x "$UV_TOOL_VENV/bin/uv" ]; then
    say "Installing uv from PyPI into $UV_TOOL_VENV, to install Python $MIN_PYTHON"
    make_uv_tool_venv || return 1
    "$UV_TOOL_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "uv>=0.13" >&2 \
      || return 1
  fi
  echo "$UV_TOOL_VENV/bin/uv"
}

# Installs CPython 3.12 with uv (a build from python-build-standalone, about 30 MB) and prints it.
install_python() {
  local uv
  if ! uv="$(find_or_install_uv)"; then
    stop_without_python "uv could not be installed from PyPI (see above). On Debian and Ubuntu, that
needs python3-venv:
    sudo apt-get install python3-venv"
    return 1
  fi
  say "Installing Python $MIN_PYTHON with uv into $UV_PYTHONS"
  if ! "$uv" python install --no-bin "$MIN_PYTHON" >&2 || ! find_python; then
    stop_without_python "uv could not install Python $MIN_PYTHON (see above). Where the network blocks
that download, give uv a mirror of python-build-standalone's releases:
    UV_PYTHON_INSTALL_MIRROR=https://MIRROR/python-build-standalone/releases/download $0"
    return 1
  fi
}

# Says why no Python 3.12 could be had ($1: what failed, and what would mend it) and every
# other way to install one, each as the exact command.
stop_without_python() {
  cat >&2 <<MESSAGE

policybot needs Python $MIN_PYTHON or newer, and none is on this machine (python3.12, python3.13,
python3.14 and python3 on the PATH, pyenv's and uv's installed versions).
$1
Or install Python $MIN_PYTHON yourself in one of these ways, then run this again:
  Ubuntu 22.04, from the deadsnakes archive:
    sudo add-apt-repository ppa:deadsnakes/ppa
    sudo apt-get install python3.12 python3.12-venv
  Debian 13, Ubuntu 24.04:
    sudo apt-get install python3 python3-venv
  macOS (Homebrew):
    brew install python@3.12
  pyenv (builds it from source):
    pyenv install 3.12
MESSAGE
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
    python="$(find_python || install_python)" || return 1
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
