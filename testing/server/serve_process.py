"""``policybot serve`` as a real subprocess, with its output collected line by line."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

TIMEOUT = 20.0
POLICYBOT = Path(sys.executable).with_name("policybot")
URL = re.compile(r"(http://[^/\s]+/)")


def base_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A clean environment: nothing from the developer's shell or a .env leaks in."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path),
           "POLICYBOT_DB": str(tmp_path / "db" / "policybot.json"), "PYTHONUNBUFFERED": "1"}
    env.update(extra)
    return env


def run_serve(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``policybot serve`` expected to stop by itself (refused or misconfigured)."""
    return subprocess.run([str(POLICYBOT), "serve", *args], cwd=tmp_path, env=base_env(
        tmp_path, **env), capture_output=True, text=True, timeout=TIMEOUT, check=False)


class ServerProcess:
    """A running ``policybot serve``; its output is collected line by line as it comes."""

    def __init__(self, tmp_path: Path, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [str(POLICYBOT), "serve", "--port", "0", *args], cwd=tmp_path,
            env=base_env(tmp_path, **env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._changed = threading.Condition()
        for stream, lines in ((self.proc.stdout, self.stdout), (self.proc.stderr, self.stderr)):
            threading.Thread(target=self._collect, args=(stream, lines), daemon=True).start()
        try:
            line = self.wait_for(lambda: next((u for u in self.stdout if URL.search(u)), None))
        except AssertionError:
            self.kill()  # never leave a server behind a failed start
            raise
        match = URL.search(line)
        assert match, line
        self.url = match.group(1)

    def _collect(self, stream: object, lines: list[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            with self._changed:
                lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for(self, found: Callable[[], str | None], timeout: float = TIMEOUT) -> str:
        """Wait until ``found()`` returns a line (bounded); fail with the output so far."""
        with self._changed:
            ok = self._changed.wait_for(
                lambda: found() is not None or self.proc.poll() is not None, timeout)
            result = found()
        if not ok or result is None:
            raise AssertionError(f"not seen; stdout={self.stdout} stderr={self.stderr} "
                                 f"exit={self.proc.poll()}")
        return result

    def wait_for_log(self, text: str) -> str:
        return self.wait_for(lambda: next((line for line in self.stderr if text in line), None))

    def terminate(self) -> int:
        """SIGTERM, then the exit code (bounded wait)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=TIMEOUT)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=TIMEOUT)
