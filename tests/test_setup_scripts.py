"""``./scripts/start`` and ``./scripts/test`` on a machine whose only Python is 3.11 (Debian 12).

Each test runs the real scripts, copied beside a one-module project (so that no test installs
the whole bot), with a PATH that holds a Python 3.11 and the basic tools only, and HOME and
PYENV_ROOT in empty temporary folders: no Python 3.12 of this machine can be found. uv really
installs from PyPI (about 20 MB). The Python 3.12 it then installs is, here, a repack of one on
this machine, described in a downloads list (uv's own setting): it stands for the
python-build-standalone download, whose host this machine cannot reach.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
# What the scripts call besides Python; sudo and apt-get are absent unless a test fakes them.
BASIC_TOOLS = ("bash", "env", "dirname", "cat", "rm", "mkdir", "touch", "id", "true")
# Settings pip needs to reach the registry where the machine has a proxy or its own index.
PASSED_ON = ("LANG", "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE")
# Nothing a test runs here waits on a person; this only stops a hung download from hanging CI.
HANG_GUARD_SECONDS = 900

TINY_PROJECT = {
    "pyproject.toml": """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "tinybot"
version = "0"
requires-python = ">=3.12"

[project.scripts]
policybot = "tinybot:main"
""",
    "tinybot.py": """\
import sys


def main() -> None:
    print(" ".join(["policybot", *sys.argv[1:]]), sys.executable, sys.version.split()[0], sep=" | ")
""",
}


def python_311() -> Path:
    """A Python 3.11 that can make venvs: Debian 12's own, else one installed by pyenv."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = [Path("/usr/bin/python3.11"),
                  *sorted(pyenv_root.glob("versions/3.11*/bin/python3.11"))]
    for candidate in candidates:
        if candidate.exists() and subprocess.run(
            [candidate, "-c", "import ensurepip, venv"], capture_output=True
        ).returncode == 0:
            return candidate
    raise AssertionError(f"no Python 3.11 with venv among {candidates}: "
                         "install Debian 12's python3-venv")


def cpython_312_prefix() -> Path:
    """Where a CPython 3.12 of this machine lives: the one running the tests, or python3.12."""
    if sys.version_info[:2] == (3, 12):
        return Path(sys.base_prefix)
    found = shutil.which("python3.12")
    assert found, "the test repacks a CPython 3.12 of this machine: pyenv install 3.12"
    return Path(subprocess.run([found, "-c", "import sys; print(sys.base_prefix)"],
                               capture_output=True, text=True, check=True).stdout.strip())


def _leave_out_of_repack(member: tarfile.TarInfo) -> tarfile.TarInfo | None:
    """Drops what a venv never needs (installed packages, the test suite, the static library)."""
    name = member.name.rsplit("/", 1)[-1]
    unneeded = {"site-packages", "test", "idlelib", "tkinter", "turtledemo", "__pycache__"}
    return None if name in unneeded or name.startswith("config-3") else member


def _symlink(tar: tarfile.TarFile, name: str, target: str) -> None:
    link = tarfile.TarInfo(name)
    link.type, link.linkname = tarfile.SYMTYPE, target
    tar.addfile(link)


@pytest.fixture(scope="module")
def python_312_download(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A downloads list for uv naming one CPython 3.12, packed the way python-build-standalone
    packs its builds (a ``python/`` folder), with its sha256 as uv checks it."""
    prefix, folder = cpython_312_prefix(), tmp_path_factory.mktemp("python-download")
    version = subprocess.run([prefix / "bin" / "python3.12", "-c",
                              "import platform; print(platform.python_version())"],
                             capture_output=True, text=True, check=True).stdout.strip()
    archive = folder / f"cpython-{version}-repacked.tar.gz"
    with tarfile.open(archive, "w:gz", compresslevel=1) as tar:
        tar.add(prefix / "bin" / "python3.12", arcname="python/bin/python3.12")
        _symlink(tar, "python/bin/python3", "python3.12")
        _symlink(tar, "python/bin/python", "python3.12")
        for library in prefix.glob("lib/libpython3.12*"):
            tar.add(library, arcname=f"python/lib/{library.name}")
        tar.add(prefix / "lib" / "python3.12", arcname="python/lib/python3.12",
                filter=_leave_out_of_repack)
    major, minor, patch = (int(part) for part in version.split("."))
    arch = platform.machine()
    listing = {f"cpython-{version}-linux-{arch}-gnu": {
        "name": "cpython", "arch": {"family": arch, "variant": None}, "os": "linux",
        "libc": "gnu", "major": major, "minor": minor, "patch": patch, "prerelease": "",
        "url": archive.as_uri(), "sha256": hashlib.sha256(archive.read_bytes()).hexdigest(),
        "variant": None, "build": "repacked"}}
    downloads = folder / "downloads.json"
    downloads.write_text(json.dumps(listing))
    return downloads


class StockMachine:
    """A checkout with the real set-up scripts, run with only a Python 3.11 to be found."""

    def __init__(self, root: Path) -> None:
        self.checkout, self.home, self.bin = root / "checkout", root / "home", root / "bin"
        for folder in (self.checkout / "scripts", self.home, self.bin, root / "pyenv"):
            folder.mkdir(parents=True)
        for script in ("_venv.sh", "start", "test"):
            shutil.copy2(SCRIPTS / script, self.checkout / "scripts" / script)
        for name, text in TINY_PROJECT.items():
            (self.checkout / name).write_text(text)
        for tool in BASIC_TOOLS:
            found = shutil.which(tool)
            assert found, f"{tool} is missing on this machine"
            (self.bin / tool).symlink_to(found)
        (self.bin / "python3").symlink_to(python_311())
        self.env = {name: value for name, value in os.environ.items() if name in PASSED_ON
                    or name.startswith("PIP_") or name.lower().endswith("_proxy")}
        self.env |= {"PATH": str(self.bin), "HOME": str(self.home),
                     "PYENV_ROOT": str(root / "pyenv")}

    def add_tool(self, name: str, script: str) -> None:
        tool = self.bin / name
        tool.write_text("#!/bin/bash\n" + script)
        tool.chmod(0o755)

    def run(self, script: str, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([f"./scripts/{script}", *args], cwd=self.checkout,
                              env=self.env | settings, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=HANG_GUARD_SECONDS)


@pytest.fixture
def machine(tmp_path: Path) -> StockMachine:
    stock = StockMachine(tmp_path)
    pythons = subprocess.run(
        ["bash", "-c", "command -v python3.12 python3.13 python3.14; "
         "python3 -c 'import sys; print(sys.version_info[:2])'"],
        env=stock.env, capture_output=True, text=True)
    assert pythons.stdout == "(3, 11)\n", pythons
    return stock


# Every other way the stop message offers, one exact command a line.
OTHER_WAYS = [
    "sudo add-apt-repository ppa:deadsnakes/ppa",
    "sudo apt-get install python3.12 python3.12-venv",
    "sudo apt-get install python3 python3-venv",
    "brew install python@3.12",
    "pyenv install 3.12",
]


def commands_in(message: str) -> list[str]:
    return [line.strip() for line in message.splitlines() if line.startswith("    ")]


def test_start_installs_python_3_12_with_uv_then_finds_it_again(
        machine: StockMachine, python_312_download: Path) -> None:
    started = machine.run("start", "--port", "3978",
                          UV_PYTHON_DOWNLOADS_JSON_URL=str(python_312_download))

    assert started.returncode == 0, started.stderr
    uv_pythons = machine.home / ".local" / "share" / "uv" / "python"
    assert f"Installing uv from PyPI into {machine.home}/.cache/policybot/uv" in started.stderr
    assert f"Installing Python 3.12 with uv into {uv_pythons}" in started.stderr
    command, executable, version = started.stdout.strip().split(" | ")
    assert command == "policybot serve --port 3978"
    assert executable == f"{machine.checkout}/.venv/bin/python" and version.startswith("3.12.")
    venv_python = (machine.checkout / ".venv" / "bin" / "python").resolve()
    assert venv_python.is_relative_to(uv_pythons.resolve()), venv_python
    assert not (machine.home / ".local" / "bin").exists(), "uv must not change the person's PATH"

    shutil.rmtree(machine.checkout / ".venv")
    again = machine.run("start", UV_PYTHON_INSTALL_MIRROR="file:///nowhere")

    assert again.returncode == 0, again.stderr
    assert "Installing" not in again.stderr, "the second start finds what the first installed"
    assert again.stdout.strip().split(" | ")[-1] == version


@pytest.mark.parametrize("script", ["start", "test"])
def test_when_the_python_download_fails_it_stops_with_the_commands(
        machine: StockMachine, script: str, tmp_path: Path) -> None:
    stopped = machine.run(script, UV_PYTHON_INSTALL_MIRROR=(tmp_path / "empty-mirror").as_uri())

    assert stopped.returncode == 1
    assert "error: Failed to install cpython-3.12" in stopped.stderr
    assert "uv could not install Python 3.12 (see above)." in stopped.stderr
    assert commands_in(stopped.stderr) == [
        "UV_PYTHON_INSTALL_MIRROR=https://MIRROR/python-build-standalone/releases/download "
        f"./scripts/{script}", *OTHER_WAYS], stopped.stderr
    assert not (machine.checkout / ".venv").exists()
    assert "unbound variable" not in stopped.stderr


@pytest.mark.parametrize("script", ["start", "test"])
def test_without_python3_venv_it_asks_apt_get_then_stops_with_the_command(
        machine: StockMachine, script: str) -> None:
    """Debian's python3 without its python3-venv package cannot make a venv; the fake apt-get
    records what it is asked and, like one with no network, installs nothing."""
    real_python = (machine.bin / "python3").resolve()
    (machine.bin / "python3").unlink()
    machine.add_tool("python3", f"""\
if [ "${{1-}}" = "-m" ] && [ "${{2-}}" = "venv" ]; then
  echo "The virtual environment was not created successfully because ensurepip is not" >&2
  exit 1
fi
exec {real_python} "$@"
""")
    asked = machine.home / "apt-get-calls"
    machine.add_tool("apt-get", f'echo "$*" >> {asked}\n')
    # Only as root does the script call apt-get itself; otherwise through sudo, never waiting on
    # a password: this sudo refuses to run without -n, as a real one would then prompt.
    machine.add_tool("sudo", '[ "$1" = "-n" ] || exit 1\nshift\nexec "$@"\n')

    stopped = machine.run(script)

    assert stopped.returncode == 1
    assert asked.read_text().splitlines() == ["update -qq", "install -y -qq python3-venv"]
    assert "uv could not be installed from PyPI (see above)." in stopped.stderr
    assert commands_in(stopped.stderr) == ["sudo apt-get install python3-venv", *OTHER_WAYS]
    assert not (machine.home / ".cache" / "policybot" / "uv").exists()
    assert not (machine.checkout / ".venv").exists()
