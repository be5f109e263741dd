"""``policybot serve`` as a real process: configuration errors, the loopback-only rule, and a
clean stop on SIGTERM with a request in flight."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import socket
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest

from adapters.slack.adapter import SHUTDOWN_GRACE as SLACK_SHUTDOWN_GRACE
from bot.config import Config
from bot.port import is_loopback
from bot.settings import BY_NAME
from policybot_app.server import SOCKET_MODE_CLOSE_SECONDS
from policybot_app.serving_plan import Refused, plan_serving
from policybot_app.web_server import CUT_OFF_SECONDS, GRACE_SECONDS, STOP_BUDGET_SECONDS
from storage.tinydb_store import TinyDBStorage
from testing.server.serve_process import ServerProcess, run_serve
from testing.staff import DEPUTY

TOKEN = "xoxb-1111-2222-abcdefSECRETtoken"


def one_line_error(result: object) -> str:
    """The whole of what a refused start printed: exactly one line, no traceback."""
    assert result.returncode == 2, (result.stdout, result.stderr)  # type: ignore[attr-defined]
    assert result.stdout == ""  # type: ignore[attr-defined]
    lines = result.stderr.splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    return str(lines[0])


@pytest.mark.parametrize(("env", "variable"), [
    ({"SLACK_BOT_TOKEN": TOKEN}, "SLACK_SIGNING_SECRET"),
    ({"SLACK_SIGNING_SECRET": "abcdefsigning"}, "SLACK_BOT_TOKEN"),
    ({"SLACK_APP_TOKEN": "xapp-1-A1-abcdef"}, "SLACK_BOT_TOKEN"),
    ({"MICROSOFT_APP_ID": "00000000-1111"}, "MICROSOFT_APP_PASSWORD"),
    ({"MICROSOFT_APP_PASSWORD": "pa55word!"}, "MICROSOFT_APP_ID"),
    ({"MICROSOFT_APP_ID": "0000", "MICROSOFT_APP_PASSWORD": "pa55word!",
      "MICROSOFT_APP_TYPE": "SingleTenant"}, "MICROSOFT_APP_TENANT_ID"),
    ({"MICROSOFT_APP_TYPE": "Personal"}, "MICROSOFT_APP_TYPE"),
    ({"PORT": "eighty"}, "PORT"),
    ({"PORT": "70000"}, "PORT"),
    ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
    ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
    ({"DATABASE_URL": "mysql://db/policybot"}, "DATABASE_URL"),
    # Nothing listens on port 9: an unreachable database stops start-up, its password unsaid.
    ({"DATABASE_URL": "postgresql://bot:pw0rdSECRET@127.0.0.1:9/policybot"}, "DATABASE_URL"),
    ({"POLICYBOT_REMINDER_HOURS": "48", "POLICYBOT_ESCALATION_HOURS": "24"},
     "POLICYBOT_ESCALATION_HOURS"),
    ({"POLICYBOT_EXPIRY_DAYS": "0"}, "POLICYBOT_EXPIRY_DAYS"),
    ({"POLICYBOT_POLICY": "/nonexistent/pack.yaml"}, "POLICYBOT_POLICY"),
])
def test_a_bad_setting_stops_start_up_with_one_line_naming_it(
    tmp_path: Path, env: dict[str, str], variable: str
):
    line = one_line_error(run_serve(tmp_path, **env))
    assert variable in line
    for name, value in env.items():
        if BY_NAME[name].secret:
            assert value not in line  # a secret is never echoed
    assert "pw0rd" not in line


def test_an_unusable_database_path_names_policybot_db(tmp_path: Path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x", encoding="utf-8")
    line = one_line_error(run_serve(tmp_path, POLICYBOT_DB=str(blocker / "policybot.json")))
    assert "POLICYBOT_DB" in line


def test_a_port_in_use_is_one_line_and_exit_1(tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_serve(tmp_path, "--port", str(port))
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and f"cannot listen on 127.0.0.1:{port}" in lines[0], lines
    assert "port is in use" in lines[0] and "--port" in lines[0], lines


def test_the_playground_refuses_a_public_address(tmp_path: Path):
    line = one_line_error(run_serve(tmp_path, "--host", "0.0.0.0"))
    assert "loopback" in line and "--insecure-playground-on-any-address" in line


@pytest.mark.parametrize("extra", [[], ["--insecure-playground-on-any-address"]])
def test_the_teams_emulator_refuses_a_public_address_even_when_told_insecure(
    tmp_path: Path, extra: list[str]
):
    line = one_line_error(run_serve(tmp_path, "--teams-emulator", "--host", "0.0.0.0", *extra))
    assert "--teams-emulator" in line and "loopback" in line


def test_the_insecure_flag_lets_the_playground_listen_everywhere(
    server_process: Callable[..., ServerProcess],
):
    server = server_process("--host", "0.0.0.0", "--insecure-playground-on-any-address")
    port = urlsplit(server.url).port
    with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
        assert json.load(response)["adapters"] == ["playground"]
    server.wait_for_log("reachable from other machines")
    assert server.terminate() == 0


def _args(**given: object) -> argparse.Namespace:
    defaults = {"host": None, "port": None, "playground": False, "insecure_playground": False,
                "teams_emulator": False}
    return argparse.Namespace(**{**defaults, **given})


def test_plan_serves_the_playground_only_without_a_platform_or_when_asked():
    slack = Config({"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": "s" * 12})
    assert plan_serving(Config({}), _args()).playground
    assert plan_serving(Config({}), _args()).host == "127.0.0.1"
    assert plan_serving(Config({"PORT": "8080"}), _args()).port == 8080
    public = plan_serving(slack, _args(host="0.0.0.0", port=5000))
    assert not public.playground and public.port == 5000
    with pytest.raises(Refused, match="--playground was given"):
        plan_serving(slack, _args(host="0.0.0.0", playground=True))
    with pytest.raises(Refused, match="--port"):
        plan_serving(Config({}), _args(port=70000))


def test_loopback_addresses():
    for host in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost", "LOCALHOST"):
        assert is_loopback(host), host
    for host in ("0.0.0.0", "::", "", "10.0.0.5", "example.org", "my-laptop"):
        assert not is_loopback(host), host


def test_every_wait_of_a_stop_adds_up_to_less_than_docker_s_stop_timeout():
    # In order: Socket Mode closes, requests in flight finish, busy connections are cut,
    # the Slack adapter finishes acknowledged work; a second is left for the jobs, the
    # outbox pump and storage to close before Docker's SIGKILL.
    waits = [SOCKET_MODE_CLOSE_SECONDS, GRACE_SECONDS, CUT_OFF_SECONDS, SLACK_SHUTDOWN_GRACE]
    assert GRACE_SECONDS <= 7
    assert sum(waits) <= STOP_BUDGET_SECONDS - 1, waits


async def test_sigterm_finishes_the_request_in_flight_and_closes_storage(
    tmp_path: Path, server_process: Callable[..., ServerProcess]
):
    server = server_process(LOG_LEVEL="DEBUG")
    split = urlsplit(server.url)
    body = json.dumps({"as": DEPUTY, "text": "check a post", "event_id": "in-flight-1"})
    head = (f"POST /playground/api/turn HTTP/1.1\r\nHost: {split.netloc}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"Connection: close\r\n\r\n")
    reader, writer = await asyncio.open_connection(split.hostname, split.port)
    # Headers and half the body: the server is now handling a request it cannot finish yet.
    writer.write(head.encode() + body[:10].encode())
    await writer.drain()
    server.wait_for_log("request started: POST /playground/api/turn")

    server.proc.send_signal(signal.SIGTERM)
    server.wait_for_log("stopped listening; finishing 1 request(s) in flight")
    with pytest.raises(OSError):  # no new connections once stopping
        socket.create_connection((split.hostname, split.port), timeout=5).close()

    writer.write(body[10:].encode())
    await writer.drain()
    response = (await asyncio.wait_for(reader.read(), timeout=20)).decode()
    writer.close()
    status, _, rest = response.partition("\r\n")
    assert status == "HTTP/1.1 200 OK", response
    replies = json.loads(rest.partition("\r\n\r\n")[2])["replies"]
    assert replies[-1]["type"] == "question"

    assert await asyncio.to_thread(server.proc.wait, 20) == 0
    assert any("stopped" in line for line in server.stderr)
    storage = TinyDBStorage(tmp_path / "db" / "policybot.json")
    state = await storage.get(f"conversation/{DEPUTY}")
    assert state is not None and state.value["flow"] == "check_post"
    await storage.close()
