"""Logs: one line per event with a request id, JSON lines on request, and never a token, a
secret or a draft."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Config
from bot.logging_setup import REDACTED, Redactor, configure_logging, reset_logging
from policybot_app.web_server import build_web_app
from testing.server.application import make_application
from testing.server.serve_process import ServerProcess
from testing.staff import DEPUTY

DRAFT_MARKER = "Zephyrine-Q7 relay team photos"
SLACK_TOKEN = "xoxb-2222-3333-SECRETbotTOKEN"
SIGNING_SECRET = "f00dfacecafe0123456789signing"


def _turn(url: str, payload: dict) -> dict:
    request = Request(f"{url}playground/api/turn", data=json.dumps(payload).encode(),
                      headers={"Content-Type": "application/json"}, method="POST")
    with urlopen(request, timeout=20) as response:
        return json.load(response)


def _journey(url: str) -> None:
    """A teacher's post that needs approval, with a marker in the draft, then approved."""
    _turn(url, {"as": DEPUTY, "text": "check a post"})
    reply = _turn(url, {"as": DEPUTY, "text": DRAFT_MARKER})
    for values in (["personal"], ["consent"]):
        token = reply["replies"][-1]["token"]
        reply = _turn(url, {"as": DEPUTY, "choice": {"token": token, "values": values}})
    assert any(m.get("title") == "Needs approval: request SM-0001" for m in reply["replies"])
    reply = _turn(url, {"as": "joanne.clarke@northbrook.example",
                        "press": {"name": "reject", "request_id": "SM-0001",
                                  "comment": f"Not this one: {DRAFT_MARKER}"}})
    assert reply["replies"][0]["text"].startswith("You rejected SM-0001")


def test_a_debug_journey_logs_no_draft_and_no_token(
    server_process: Callable[..., ServerProcess],
):
    server = server_process(LOG_LEVEL="DEBUG")
    _journey(server.url)
    # A token in a URL reaches the access log's path: it must come out redacted.
    with pytest.raises(HTTPError) as missing:
        urlopen(f"{server.url}hooks/{SLACK_TOKEN}?auth=Bearer%20abc.def", timeout=10)
    assert missing.value.code == 404
    assert server.terminate() == 0
    log = "\n".join(server.stderr)
    assert "request started: POST /playground/api/turn" in log  # DEBUG lines are there
    assert DRAFT_MARKER.split()[0] not in log
    assert "SECRETbotTOKEN" not in log and "xoxb-" not in log
    assert f"GET /hooks/{REDACTED} 404" in log
    for line in server.stderr:
        assert line.count(" ") >= 4 and line[:4].isdigit(), line  # one event, one line


def test_json_lines_carry_the_request_id(server_process: Callable[..., ServerProcess]):
    server = server_process(LOG_FORMAT="json")
    with urlopen(f"{server.url}healthz", timeout=10) as response:
        rid = response.headers["X-Request-Id"]
    assert server.terminate() == 0
    records = [json.loads(line) for line in server.stderr]  # every line is one JSON object
    assert {"ts", "level", "logger", "request_id", "message"} <= set(records[0])
    access = next(r for r in records if r["message"].startswith("GET /healthz 200"))
    assert access["request_id"] == rid and access["logger"] == "aiohttp.access"
    assert any(r["message"].startswith("stopped listening") for r in records)


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    yield stream
    reset_logging()


async def test_secrets_and_tracebacks_are_redacted_in_process(
    tmp_path: Path, captured: io.StringIO
):
    settings = {"SLACK_BOT_TOKEN": SLACK_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "LOG_LEVEL": "DEBUG", "LOG_FORMAT": "json"}
    configure_logging(Config(settings), stream=captured)
    application = await make_application(tmp_path)
    web_app = await build_web_app(application, Config({}), playground=True,
                                  teams_emulator=False)

    async def leaky(request: web.Request) -> web.Response:
        logging.getLogger("bot.example").info("signing with %s", SIGNING_SECRET)
        raise RuntimeError(f"auth failed for {SLACK_TOKEN} with Bearer eyJhbGc.eyJzdWI.sig")

    web_app.router.add_get("/leaky", leaky)
    async with TestClient(TestServer(web_app, host="127.0.0.1")) as client:
        response = await client.get("/leaky")
        assert response.status == 500
        rid = response.headers["X-Request-Id"]
    await application.close()

    records = [json.loads(line) for line in captured.getvalue().splitlines()]
    error = next(r for r in records if r["message"].startswith("unexpected error"))
    assert error["request_id"] == rid and "RuntimeError" in error["exc"]
    text = captured.getvalue()
    for secret in (SLACK_TOKEN, SIGNING_SECRET, "eyJhbGc"):
        assert secret not in text
    assert logging.getLogger("bot").isEnabledFor(logging.DEBUG)
    # Libraries that log request bodies at DEBUG stay quiet whatever LOG_LEVEL says.
    for library in ("slack_sdk", "slack_bolt.App", "microsoft_agents.hosting.core",
                    "aiohttp.client"):
        assert not logging.getLogger(library).isEnabledFor(logging.DEBUG), library
    # The Agents SDK's line for every message it sends stays out of the log.
    sends = "microsoft_agents.hosting.core.connector.client.connector_client"
    assert not logging.getLogger(sends).isEnabledFor(logging.INFO)


def test_the_redactor_masks_token_shapes_and_configured_secrets():
    redact = Redactor(["s3cret-value-123", "abc"])
    line = ("xoxb-1-2-abc xoxp-9-zz xapp-1-A0-77 Authorization: Bearer abc.def-ghi "
            "postgresql://bot:pw0rd@db:5432/x s3cret-value-123")
    out = redact(line)
    for leaked in ("xoxb-1", "xoxp-9", "xapp-1", "abc.def", "pw0rd", "s3cret"):
        assert leaked not in out, out
    assert "postgresql://[redacted]@db:5432/x" in out
    assert redact("abc is too short to be masked") == "abc is too short to be masked"
