"""The one aiohttp application that hosts every adapter, and starting and stopping it.

* ``GET /healthz`` (:mod:`bot.health`).
* ``/slack/events`` when ``SLACK_BOT_TOKEN`` is set.
* ``/api/messages`` when ``MICROSOFT_APP_ID`` is set, or in the Teams emulator mode.
* The web playground at ``/`` when asked for.
* ``GET /reports/<token>``: a governance report, once (:mod:`bot.report.link`).

A stop must fit in Docker's default 10 s between SIGTERM and SIGKILL (Heroku gives 30 s):
requests in flight get :data:`GRACE_SECONDS`, connections still busy after that
:data:`CUT_OFF_SECONDS`, then the adapters' cleanup hooks run (the Slack adapter finishes the
work it acknowledged, in at most 2 s), and the command closes storage.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from bot.app import Application
from bot.application_port import PortToApplication
from bot.config import Config, ConfigError
from bot.health import ADAPTERS, APPLICATION, healthz
from bot.logging_setup import new_request_id, request_id
from bot.report import link as report_link
from policybot_app.adapter_settings import slack_settings, teams_settings

log = logging.getLogger(__name__)
STOP_BUDGET_SECONDS = 10.0  # Docker's default stop timeout: SIGKILL after this
GRACE_SECONDS = 6.0  # requests in flight finish within this after SIGTERM
CUT_OFF_SECONDS = 0.5  # then aiohttp closes the connections still open
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


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
    # A governance report, handed over once behind its unguessable link (Teams, playground).
    web_app.router.add_get(report_link.ROUTE, report_link.serve)
    web_app.on_response_prepare.append(_security_headers)
    if config.slack_enabled:
        try:
            from adapters.slack import setup_slack
        except ImportError as exc:
            raise ConfigError(f"SLACK_BOT_TOKEN is set but the Slack adapter cannot be "
                              f"loaded ({exc})") from None
        await setup_slack(web_app, PortToApplication(application), slack_settings(config))
        adapters.append("slack")
    if config.teams_enabled or teams_emulator:
        try:
            from adapters.teams import setup_teams
        except ImportError as exc:
            name = "MICROSOFT_APP_ID is set" if config.teams_enabled else "--teams-emulator"
            raise ConfigError(f"{name} but the Teams adapter cannot be loaded ({exc})") from None
        await setup_teams(web_app, PortToApplication(application), teams_settings(config),
                          emulator=teams_emulator)
        adapters.append("teams-emulator" if teams_emulator else "teams")
    if playground:
        from adapters.playground import setup_playground

        setup_playground(web_app, PortToApplication(application), any_host=insecure_playground)
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
    # uploading would be cut off: stop_server waits for requests itself first, and aiohttp's
    # timeout only bounds what is left after that.
    runner = web.AppRunner(web_app, access_log_class=AccessLog, handle_signals=False,
                           shutdown_timeout=CUT_OFF_SECONDS)
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
