"""``policybot serve``: one aiohttp server hosting every adapter, until SIGTERM or SIGINT.

What is served where is decided first (:mod:`policybot_app.serving_plan`: the playground and
the Teams emulator only on loopback); then storage, the web application
(:mod:`policybot_app.web_server`), the outbox pump, the scheduled jobs and Slack's Socket
Mode start. A stop takes intake down first (Socket Mode, then HTTP, letting requests in
flight finish), then the work it started, then storage: within Docker's 10 s stop timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import logging
import signal
import sys
from typing import Any

from aiohttp import web

from bot.app import Application, build_application
from bot.config import Config, ConfigError
from bot.health import ADAPTERS, product_version
from bot.logging_setup import Redactor, configure_logging, secrets_of
from conversations.policy import PackError
from policybot_app.adapter_settings import slack_settings
from policybot_app.serving_plan import Plan, Refused, is_loopback, plan_serving
from policybot_app.web_server import build_web_app, start_server, stop_server
from storage import Storage, StorageUnavailable, open_storage

__all__ = ["serve"]
log = logging.getLogger(__name__)
# Part of the stop budget (policybot_app.web_server): Slack's close handshake must not eat into it.
SOCKET_MODE_CLOSE_SECONDS = 0.5


async def _open(config: Config) -> Application:
    """Storage, pack and directory, with start-up failures named by their setting."""
    setting = "DATABASE_URL" if config.get("DATABASE_URL") else "POLICYBOT_DB"
    try:
        storage = open_storage(config.storage_target)
    except ValueError as exc:
        raise ConfigError(f"{setting}: {exc}") from None
    try:
        # Fail fast, naming the setting, rather than on a first turn.
        await storage.ping()
    except Exception as exc:  # unreachable database, unreadable files: one line, no traceback
        await _close_quietly(storage)
        why = str(exc) if isinstance(exc, StorageUnavailable) else type(exc).__name__
        raise ConfigError(Redactor(secrets_of(config))(
            f"{setting}: storage cannot be used: {why}")) from None
    try:
        return await build_application(config, storage=storage)
    except PackError as exc:
        await _close_quietly(storage)
        raise ConfigError(f"POLICYBOT_POLICY: {exc.problems[0]} (run 'policybot policy "
                          f"check' for every problem)") from None
    except BaseException:
        await _close_quietly(storage)
        raise


async def _close_quietly(storage: Storage) -> None:
    with contextlib.suppress(Exception):
        await storage.close()


async def _start_socket_mode(web_app: web.Application, config: Config) -> Any:
    """Socket Mode (SLACK_APP_TOKEN): the Slack adapter built for ``web_app`` connects;
    ``close()`` ends it."""
    from adapters.slack import SLACK, start_socket_mode

    adapter = web_app.get(SLACK)
    if adapter is None:
        raise ConfigError("SLACK_APP_TOKEN: Socket Mode needs SLACK_BOT_TOKEN and "
                          "SLACK_SIGNING_SECRET as well")
    try:
        return await start_socket_mode(adapter, slack_settings(config))
    except (ConfigError, asyncio.CancelledError):
        raise
    except Exception as exc:  # a refused or unreachable connection: one line, not a traceback
        raise ConfigError(Redactor(secrets_of(config))(
            f"SLACK_APP_TOKEN: Socket Mode could not connect ({type(exc).__name__}: {exc})"
        )) from None


def _background_socket_mode(web_app: web.Application, config: Config,
                            stop: asyncio.Event) -> asyncio.Task[Any] | None:
    """Start Socket Mode when SLACK_APP_TOKEN is set; if it cannot start, stop the server."""
    if not config.get("SLACK_APP_TOKEN"):
        return None
    task = asyncio.create_task(_start_socket_mode(web_app, config), name="socket-mode")

    def failed(done: asyncio.Task[Any]) -> None:
        if not done.cancelled() and done.exception() is not None:
            stop.set()

    task.add_done_callback(failed)
    return task


def _failure(task: asyncio.Task[Any] | None) -> BaseException | None:
    if task is None or not task.done() or task.cancelled():
        return None
    return task.exception()


async def _stop_socket_mode(task: asyncio.Task[Any] | None) -> None:
    if task is None:
        return
    if not task.done():
        task.cancel()  # still connecting
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        return
    if task.cancelled() or task.exception() is not None:
        return
    try:
        await asyncio.wait_for(task.result().close(), SOCKET_MODE_CLOSE_SECONDS)
    except TimeoutError:
        log.warning("the Slack Socket Mode connection did not close in time; dropped")
    except Exception:  # stopping must go on: storage still has to be closed
        log.exception("closing the Slack Socket Mode connection failed")


def _start_jobs(application: Application) -> Any:
    """Reminders, escalation, expiry, digests and retention, every few minutes."""
    from bot.due_work.runner import DueWork, start_scheduler

    return start_scheduler(DueWork(application), application.bot.clock)


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(sig, stop.set)


def _describe(plan: Plan, adapters: list[str], url: str) -> str:
    parts = {"playground": f"the playground at {url}", "slack": f"Slack at {url}slack/events",
             "teams": f"Teams at {url}api/messages",
             "teams-emulator": f"the Teams emulator endpoint at {url}api/messages"}
    served = ", ".join(parts[a] for a in adapters if a in parts)
    return f"policybot {product_version()}: serving {served}; health at {url}healthz " \
           f"(Ctrl-C stops)"


def _listen_problem(exc: OSError) -> str:
    """Why the server could not listen, and for a port in use what to do about it."""
    if exc.errno == errno.EADDRINUSE:
        return ("the port is in use (another policybot, or another program): stop it, or "
                "choose another port with --port")
    return str(exc.strerror or exc)


async def serve(config: Config, args: argparse.Namespace) -> int:
    """Run until SIGTERM/SIGINT; 0 after a clean stop, 1 if it cannot listen, 2 if refused."""
    configure_logging(config)
    try:
        plan = plan_serving(config, args)
    except Refused as exc:
        print(f"policybot: {exc}", file=sys.stderr)
        return 2
    stop = asyncio.Event()
    _stop_on_signals(stop)
    application = await _open(config)
    try:
        web_app = await build_web_app(
            application, config, playground=plan.playground, teams_emulator=plan.teams_emulator,
            insecure_playground=plan.insecure_playground)
        try:
            server = await start_server(web_app, plan.host, plan.port)
        except OSError as exc:
            print(f"policybot: cannot listen on {plan.host}:{plan.port}: "
                  f"{_listen_problem(exc)}", file=sys.stderr)
            return 1
        if plan.playground and not is_loopback(plan.host):
            log.warning("the playground is reachable from other machines and lets anyone "
                        "act as anyone")
        pump = asyncio.create_task(application.pump(), name="outbox-pump")
        jobs = _start_jobs(application)
        # Socket Mode connects in the background: Slack may be unreachable for a while, and
        # that must neither delay the start nor stop SIGTERM from being heard.
        socket_mode = _background_socket_mode(web_app, config, stop)
        try:
            print(_describe(plan, web_app[ADAPTERS], server.url), flush=True)
            await stop.wait()
        finally:
            # Intake first (Socket Mode, then HTTP), then the work it started, then storage.
            await _stop_socket_mode(socket_mode)
            await stop_server(server)
            jobs.shutdown(wait=False)  # a tick still running is cancelled between writes
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
        failure = _failure(socket_mode)
        if failure is not None:
            raise failure  # a ConfigError: reported as one line by the command
    finally:
        await application.close()
    log.info("stopped")
    return 0
