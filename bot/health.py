"""``GET /healthz``: whether storage answers, which adapters are on, and the version.

A load balancer or an orchestrator reads the status code: 200 when storage is reachable, 503
when it is not. The body never carries paths, addresses or error details.
"""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from aiohttp import web

from bot.app import Application

log = logging.getLogger(__name__)
APPLICATION: web.AppKey[Application] = web.AppKey("application", Application)
ADAPTERS: web.AppKey[list[str]] = web.AppKey("adapters", list)


def product_version() -> str:
    try:
        return version("policybot")
    except PackageNotFoundError:
        return "unknown"


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
