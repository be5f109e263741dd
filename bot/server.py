"""``policybot serve``: one aiohttp server hosting every adapter.

* ``GET /healthz``: storage reachable, adapters enabled, version (503 when storage is not).
* ``/slack/events`` when ``SLACK_BOT_TOKEN`` is set (and Socket Mode with ``SLACK_APP_TOKEN``).
* ``/api/messages`` when ``MICROSOFT_APP_ID`` is set, or with ``--teams-emulator``.
* The web playground at ``/`` when no platform is configured, or with ``--playground``.

The playground and the Teams emulator let anyone act as anyone, so they only listen on a
loopback address (the playground can be forced onto another address with a flag that says it
is insecure; the emulator cannot). SIGTERM or SIGINT stops taking connections, lets requests in
flight finish (up to :data:`GRACE_SECONDS`), stops the outbox pump and closes storage.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from bot.app import Application, build_application
from bot.config import Config, ConfigError
from bot.logging_setup import (
    Redactor,
    configure_logging,
    new_request_id,
    request_id,
    secrets_of,
)
from conversations.policy import PackError
from storage import Storage, StorageUnavailable, open_storage

log = logging.getLogger(__name__)
GRACE_SECONDS = 8.0  # under Docker's default 10 s stop timeout and Heroku's 30 s
LOOPBACK_NAMES = ("localhost",)
APPLICATION: web.AppKey[Application] = web.AppKey("application", Application)
ADAPTERS: web.AppKey[list[str]] = web.AppKey("adapters", list)


class InFlight:
    """Counts requests being handled, so a stop can wait for them (uploads included)."""

    def __init__(self) -> None:
        self.count = 0
        self.stopping = False
        self._idle = asyncio.Event()
        self._idle.set()

    def begin(self) -> None:
        self.count += 1
        self._idle.clear()

    def end(self) -> None:
        self.count -= 1
        if self.count == 0:
            self._idle.set()

    async def idle(self) -> None:
        await self._idle.wait()


IN_FLIGHT: web.AppKey[InFlight] = web.AppKey("in_flight", InFlight)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Refused(Exception):
    """Serving as asked would be unsafe or impossible: one line, exit code 2."""


def product_version() -> str:
    try:
        return version("policybot")
    except PackageNotFoundError:
        return "unknown"


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # another host name: it may resolve to any address


@dataclass(frozen=True)
class Plan:
    """What to serve and where, decided from configuration and arguments."""

    host: str
    port: int
    playground: bool
    teams_emulator: bool
    insecure_playground: bool


def plan_serving(config: Config, args: argparse.Namespace) -> Plan:
    host = args.host or "127.0.0.1"
    port = config.number("PORT") if args.port is None else args.port
    if not 0 <= port <= 65535:
        raise Refused(f"--port must be between 0 and 65535, not {port}")
    emulator = bool(args.teams_emulator)
    playground = bool(args.playground) or not (config.slack_enabled or config.teams_enabled)
    if emulator and not is_loopback(host):
        raise Refused(f"--teams-emulator accepts unauthenticated messages, so it only listens "
                      f"on a loopback address (127.0.0.1 or ::1), not {host}")
    if playground and not is_loopback(host) and not args.insecure_playground:
        why = "--playground was given" if args.playground else "no platform is configured"
        raise Refused(f"the web playground (served because {why}) lets anyone act as anyone, "
                      f"so it only listens on a loopback address (127.0.0.1 or ::1), not "
                      f"{host}; configure Slack or Teams, or pass "
                      f"--insecure-playground-on-any-address")
    return Plan(host, port, playground, emulator, bool(args.insecure_playground))


# -- the web application ------------------------------------------------------------------


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Tags the request with an id, and turns any unexpected error into a plain 500."""
    rid = new_request_id()
    token = request_id.set(rid)
    in_flight = request.app[IN_FLIGHT]
    in_flight.begin()
    try:
        log.debug("request started: %s %s", request.method, request.path)
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            exc.headers["X-Request-Id"] = rid
            raise
        except Exception:
            # The traceback is logged (tokens redacted); request bodies never are.
            log.exception("unexpected error on %s %s", request.method, request.path)
            return web.json_response(
                {"error": "Something went wrong on our side; please try again.",
                 "request_id": rid}, status=500, headers={"X-Request-Id": rid})
        response.headers["X-Request-Id"] = rid
        if in_flight.stopping:
            response.force_close()  # no keep-alive: the client reconnects elsewhere
        return response
    finally:
        in_flight.end()
        request_id.reset(token)


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")


async def healthz(request: web.Request) -> web.Response:
    application = request.app[APPLICATION]
    body: dict[str, Any] = {"adapters": request.app[ADAPTERS], "version": product_version()}
    try:
        await application.storage.ping()
    except Exception as exc:  # any failure means "not reachable" to a load balancer
        log.warning("health check: storage unreachable: %s", exc)
        return web.json_response({"status": "unavailable", "storage": "unreachable", **body},
                                 status=503)
    return web.json_response({"status": "ok", "storage": "reachable", **body})


async def build_web_app(
    application: Application, config: Config, *, playground: bool, teams_emulator: bool,
    insecure_playground: bool = False,
) -> web.Application:
    """The aiohttp application with every adapter that configuration turns on.

    Raises :class:`bot.config.ConfigError` when a configured adapter cannot be loaded.
    """
    web_app = web.Application(middlewares=[request_context])
    web_app[APPLICATION] = application
    web_app[IN_FLIGHT] = InFlight()
    adapters: list[str] = []
    web_app.router.add_get("/healthz", healthz)
    web_app.on_response_prepare.append(_security_headers)
    if config.slack_enabled:
        try:
            from adapters.slack import setup_slack
        except ImportError as exc:
            raise ConfigError(f"SLACK_BOT_TOKEN is set but the Slack adapter cannot be "
                              f"loaded ({exc})") from None
        await setup_slack(web_app, application, config)
        adapters.append("slack")
    if config.teams_enabled or teams_emulator:
        try:
            from adapters.teams import setup_teams
        except ImportError as exc:
            name = "MICROSOFT_APP_ID is set" if config.teams_enabled else "--teams-emulator"
            raise ConfigError(f"{name} but the Teams adapter cannot be loaded ({exc})") from None
        await setup_teams(web_app, application, config, emulator=teams_emulator)
        adapters.append("teams-emulator" if teams_emulator else "teams")
    if playground:
        from adapters.playground import setup_playground

        setup_playground(web_app, application, any_host=insecure_playground)
        adapters.append("playground")
    web_app[ADAPTERS] = adapters
    return web_app


class AccessLog(AbstractAccessLogger):
    """One line per request, with its id; never the body (it may hold a draft)."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s %.1fms", request.method, request.rel_url.path, response.status,
            time * 1000, extra={"request_id": response.headers.get("X-Request-Id", "-")})


@dataclass
class RunningServer:
    runner: web.AppRunner
    url: str
    port: int
    grace: float


async def start_server(web_app: web.Application, host: str, port: int,
                       grace: float = GRACE_SECONDS) -> RunningServer:
    """Listen on ``host:port`` (port 0: any free port). Raises OSError if it cannot."""
    # aiohttp's own shutdown stops reading request bodies at once, so a request still
    # uploading would be cut off: stop_server waits for requests itself first.
    runner = web.AppRunner(web_app, access_log_class=AccessLog, handle_signals=False,
                           shutdown_timeout=1.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    bound = runner.addresses[0][1] if runner.addresses else port
    shown = f"[{host}]" if ":" in host else host
    return RunningServer(runner, f"http://{shown}:{bound}/", bound, grace)


async def stop_server(server: RunningServer) -> None:
    """Stop accepting connections, let requests in flight finish (up to the grace period),
    then close connections and run the adapters' cleanup hooks."""
    for site in list(server.runner.sites):
        await site.stop()
    in_flight = server.runner.app[IN_FLIGHT]
    in_flight.stopping = True
    log.info("stopped listening; finishing %d request(s) in flight", in_flight.count)
    try:
        await asyncio.wait_for(in_flight.idle(), server.grace)
    except TimeoutError:
        log.warning("%d request(s) still running after %.0f s are cut off", in_flight.count,
                    server.grace)
    await server.runner.cleanup()


# -- the command --------------------------------------------------------------------------


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


async def _start_socket_mode(application: Application, config: Config) -> Any:
    """Socket Mode (SLACK_APP_TOKEN): the Slack adapter connects; ``close()`` ends it."""
    from adapters.slack import start_socket_mode

    try:
        return await start_socket_mode(application, config)
    except (ConfigError, asyncio.CancelledError):
        raise
    except Exception as exc:  # a refused or unreachable connection: one line, not a traceback
        raise ConfigError(Redactor(secrets_of(config))(
            f"SLACK_APP_TOKEN: Socket Mode could not connect ({type(exc).__name__}: {exc})"
        )) from None


def _background_socket_mode(application: Application, config: Config,
                            stop: asyncio.Event) -> asyncio.Task[Any] | None:
    """Start Socket Mode when SLACK_APP_TOKEN is set; if it cannot start, stop the server."""
    if not config.get("SLACK_APP_TOKEN"):
        return None
    task = asyncio.create_task(_start_socket_mode(application, config), name="socket-mode")

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
        await task.result().close()
    except Exception:  # stopping must go on: storage still has to be closed
        log.exception("closing the Slack Socket Mode connection failed")


def _start_jobs(application: Application) -> Any:
    """Reminders, escalation, expiry, digests and retention, every few minutes."""
    from bot.scheduler import JobRunner, start_scheduler

    return start_scheduler(JobRunner(application), application.bot.clock)


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
                  f"{exc.strerror or exc}", file=sys.stderr)
            return 1
        if plan.playground and not is_loopback(plan.host):
            log.warning("the playground is reachable from other machines and lets anyone "
                        "act as anyone")
        pump = asyncio.create_task(application.pump(), name="outbox-pump")
        jobs = _start_jobs(application)
        # Socket Mode connects in the background: Slack may be unreachable for a while, and
        # that must neither delay the start nor stop SIGTERM from being heard.
        socket_mode = _background_socket_mode(application, config, stop)
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
