"""The lock that lets several processes share one TinyDB store on one machine.

``policybot serve``, admin commands (``directory import``, ``delegate``, ``purge``,
``jobs run``) and terminal chats all open the same files. ``fcntl.flock`` on a lock file
beside the main file (``policybot.json.lock``) orders them:

* exclusive: held for the whole of a write batch (expectation checks, journal, shard
  files), and while cleaning up or replaying a journal at start-up;
* shared: held by readers while they check and read the shards, so a multi-file batch of
  another process is never seen half-applied.

``flock`` locks belong to an open file description, not to a process, so every holder
opens the file itself: two holders in one process then exclude each other exactly as two
processes do, and one holder's unlock can never release another's lock. The kernel
releases the lock of a process that dies, so a crash leaves nothing to clean up: the lock
file stays, and must not be deleted while the store is in use (a process that opened the
old file and one that creates a new one would not exclude each other). Locks are
advisory: only code using this class is kept out. ``flock`` is POSIX-only and is not
reliable on network filesystems, which this store does not support anyway.
"""

from __future__ import annotations

import fcntl
import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_FLAGS = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)


class StoreLock:
    """Shared and exclusive holds of one lock file.

    :meth:`shared` and :meth:`exclusive` block, so they run in worker threads. The event
    loop uses :meth:`try_shared` / :meth:`release_shared`, which never wait, on a
    descriptor kept open for it; the loop runs one holder at a time, so that descriptor
    is never held twice.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._closer: weakref.finalize | None = None

    def open(self) -> None:
        """Create the lock file if needed and keep a descriptor for :meth:`try_shared`
        (blocking: call it from a worker thread)."""
        if self._fd is not None:
            return
        fd = os.open(self.path, _FLAGS, 0o600)
        self._fd = fd
        # Closed with this object even if the store is never closed (tests, short commands).
        self._closer = weakref.finalize(self, os.close, fd)

    def close(self) -> None:
        closer, self._closer, self._fd = self._closer, None, None
        if closer is not None:
            closer()

    def try_shared(self) -> bool:
        """Take the shared lock if nobody holds it exclusively right now; never waits."""
        if self._fd is None:
            return False
        try:
            fcntl.flock(self._fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:  # held exclusively (EWOULDBLOCK), or unusable: take the slow path
            return False
        return True

    def release_shared(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._held(fcntl.LOCK_SH):
            yield

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._held(fcntl.LOCK_EX):
            yield

    @contextmanager
    def _held(self, operation: int) -> Iterator[None]:
        fd = os.open(self.path, _FLAGS, 0o600)
        try:
            fcntl.flock(fd, operation)
            yield
        finally:
            os.close(fd)  # releases the lock
