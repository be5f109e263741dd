"""Child processes of the benchmarks: the server under test, the floors and the fakes.

Each child prints one line saying where it listens; everything it writes to standard error
goes to a log file (the server's access log included), never to the terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
from pathlib import Path
from typing import Any

import aiohttp

START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
SAMPLE_RATE = 250  # samples a second
POLICYBOT = Path(sys.executable).with_name("policybot")
URL = re.compile(r"(http://[^/\s]+/)")


def clean_env(home: Path, **settings: str) -> dict[str, str]:
    """Nothing from the caller's shell or a .env reaches the child, secrets included."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "PYTHONUNBUFFERED": "1"}
    env.update(settings)
    return env


class Child:
    """A running child process whose first line on standard output says where it is."""

    def __init__(self, proc: asyncio.subprocess.Process, first_line: str, log: Path) -> None:
        self.proc = proc
        self.first_line = first_line
        self.log = log
        self._drain = asyncio.create_task(self._discard_output())

    @classmethod
    async def start(cls, argv: list[str], *, env: dict[str, str], cwd: Path, log: Path
                    ) -> Child:
        with log.open("ab") as errors:
            proc = await asyncio.create_subprocess_exec(
                *argv, cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE, stderr=errors,
                stdin=asyncio.subprocess.DEVNULL)
        assert proc.stdout is not None
        try:
            line = await asyncio.wait_for(proc.stdout.readline(), START_TIMEOUT)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise RuntimeError(f"{argv[0]} did not start; see {log}") from None
        if not line:
            await proc.wait()
            raise RuntimeError(f"{' '.join(argv[:3])} exited with {proc.returncode} before "
                               f"it was ready; its log: {log}\n{tail(log)}")
        return cls(proc, line.decode().strip(), log)

    async def _discard_output(self) -> None:
        assert self.proc.stdout is not None
        while await self.proc.stdout.read(65536):
            pass

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def url(self) -> str:
        match = URL.search(self.first_line)
        if not match:
            raise RuntimeError(f"no URL in {self.first_line!r}")
        return match.group(1)

    def json(self) -> Any:
        return json.loads(self.first_line)

    def peak_memory_mb(self) -> float:
        """The process's peak resident set (VmHWM), in MB."""
        status = Path(f"/proc/{self.pid}/status").read_text()
        kb = next(int(line.split()[1]) for line in status.splitlines()
                  if line.startswith("VmHWM:"))
        return kb / 1024

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used so far (threads included)."""
        return sum(self.cpu_split())

    def cpu_split(self) -> tuple[float, float]:
        """(user, system) CPU seconds the process has used so far (threads included)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
        tick = os.sysconf("SC_CLK_TCK")
        return int(fields[11]) / tick, int(fields[12]) / tick

    def kill(self) -> None:
        """SIGKILL: no cleanup, no flush, as a power cut or the OOM killer would."""
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()

    async def stop(self) -> int:
        """SIGTERM and wait (SIGKILL after STOP_TIMEOUT); returns the exit code."""
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), STOP_TIMEOUT)
            except TimeoutError:
                self.kill()
        code = await self.proc.wait()
        self._drain.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._drain
        return code


def tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


async def start_policybot(folder: Path, settings: dict[str, str], *args: str) -> Child:
    """``policybot serve`` on a free loopback port, in ``folder`` (its log: serve.log)."""
    env = clean_env(folder, **settings)
    command = [str(POLICYBOT), "serve", "--host", "127.0.0.1", "--port", "0", *args]
    child = await Child.start(command, env=env, cwd=folder, log=folder / "serve.log")
    await wait_healthy(child.url + "healthz")
    return child


class Sampler:
    """py-spy attached to a running process, sampling the thread that holds the GIL (so a
    sample is Python running, not a thread waiting on a lock, the disk or the network)
    until :meth:`stop`, which has it write its collapsed stacks."""

    def __init__(self, proc: asyncio.subprocess.Process, output: Path, rate: int) -> None:
        self.proc = proc
        self.output = output
        self.rate = rate

    @classmethod
    async def attach(cls, pid: int, output: Path, rate: int = SAMPLE_RATE) -> Sampler:
        command = [str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(pid),
                   "--format", "raw", "--rate", str(rate), "--gil", "--nonblocking",
                   "--output", str(output)]
        with (output.parent / f"{output.name}.log").open("ab") as log:
            proc = await asyncio.create_subprocess_exec(
                *command, stdout=log, stderr=log, stdin=asyncio.subprocess.DEVNULL)
        await asyncio.sleep(0.5)  # attached and sampling before the measured part starts
        if proc.returncode is not None:
            raise RuntimeError(f"py-spy could not attach to {pid}; see {output}.log")
        return cls(proc, output, rate)

    async def stop(self) -> None:
        """SIGINT, after which py-spy writes its samples and exits."""
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(self.proc.wait(), STOP_TIMEOUT)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


async def start_module(module: str, folder: Path, *args: str, **settings: str) -> Child:
    """``python -m <module> args``; its log goes to ``<folder>/<last part of module>.log``."""
    name = module.rsplit(".", 1)[-1]
    env = clean_env(folder, **settings)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    return await Child.start([sys.executable, "-m", module, *args], env=env, cwd=folder,
                             log=folder / f"{name}.log")


async def wait_healthy(url: str, timeout: float = START_TIMEOUT) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with aiohttp.ClientSession() as session:
        while True:
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            if loop.time() > deadline:
                raise RuntimeError(f"{url} not healthy after {timeout:.0f} s")
            await asyncio.sleep(0.05)
