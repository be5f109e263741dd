"""app.json, Procfile, Dockerfile and the configuration reference agree with the code."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import _parser
from bot.config import Config
from bot.serving_plan import Refused, plan_serving
from bot.settings import SETTINGS
from tests.server.serve_process import POLICYBOT, ServerProcess

ROOT = Path(__file__).resolve().parents[2]
SLACK = {"SLACK_BOT_TOKEN": "xoxb-1-2-abcdef", "SLACK_SIGNING_SECRET": "abcdef123456"}


def test_app_json_declares_exactly_the_settings_the_code_reads():
    manifest = json.loads((ROOT / "app.json").read_text(encoding="utf-8"))
    assert list(manifest["env"]) == [s.name for s in SETTINGS]
    for setting in SETTINGS:
        entry = manifest["env"][setting.name]
        assert entry["description"].strip(), setting.name
        assert entry["required"] is setting.required, setting.name
        if "value" in entry:
            assert entry["value"] == setting.default, setting.name
    assert manifest["name"] and manifest["description"] and manifest["keywords"]
    assert "web" in manifest["formation"]
    assert any("heroku-postgresql" in (a if isinstance(a, str) else a["plan"])
               for a in manifest["addons"])
    assert {"url": "heroku/python"} in manifest["buildpacks"]
    # The Python buildpack needs one of these at the top level to install the bot.
    assert (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()[-1] == "."


def _procfile_command() -> list[str]:
    line = (ROOT / "Procfile").read_text(encoding="utf-8").strip()
    kind, _, command = line.partition(":")
    assert kind == "web" and "\n" not in line
    return shlex.split(command.replace("$PORT", "5000"))


def test_procfile_runs_serve_on_every_address_with_a_platform_configured():
    words = _procfile_command()
    assert words[:2] == ["policybot", "serve"]
    args = _parser().parse_args(words[1:])
    plan = plan_serving(Config(SLACK), args)
    assert (plan.host, plan.port, plan.playground) == ("0.0.0.0", 5000, False)
    with pytest.raises(Refused):  # no platform: the playground must not go public
        plan_serving(Config({}), args)


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_dockerfile_is_slim_unprivileged_and_starts_serve():
    text = _dockerfile()
    assert re.search(r"^FROM python:3\.12-slim\b", text, re.M)
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0")
    found = re.search(r"^CMD (\[.*\])$", text, re.M)
    assert found, "CMD [...] not found"
    cmd = json.loads(found.group(1))
    assert cmd[:2] == ["policybot", "serve"]
    args = _parser().parse_args(cmd[1:])
    assert plan_serving(Config(SLACK), args).host == "0.0.0.0"
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", "data", ".git", "tests", ".env"} <= set(ignored)


def test_dockerfile_healthcheck_command_follows_healthz(
    tmp_path: Path, server_process: Callable[..., ServerProcess]
):
    """The HEALTHCHECK's own command, run against a real server: 0 when healthy, 1 when
    storage is unreachable."""
    check = re.search(r"^\s+CMD (\[.*\])$", _dockerfile(), re.M)
    assert check, "HEALTHCHECK ... CMD [...] not found"
    command = json.loads(check.group(1))
    assert command[0] == "python" and "/healthz" in command[-1]
    server = server_process()
    port = server.url.rsplit(":", 1)[1].strip("/")

    def run() -> int:
        return subprocess.run([sys.executable, *command[1:]], env={"PORT": port},
                              capture_output=True, timeout=30, check=False).returncode

    assert run() == 0
    (tmp_path / "db").rename(tmp_path / "gone")
    assert run() == 1
    assert server.terminate() == 0


def test_the_docs_configuration_table_is_what_the_settings_generate():
    generated = subprocess.run([str(POLICYBOT), "config", "--markdown"], capture_output=True,
                               text=True, timeout=30, check=True).stdout
    docs = [p for p in (ROOT / "README.md", ROOT / "docs" / "server.md")
            if p.exists() and "| Variable | Required |" in p.read_text(encoding="utf-8")]
    assert docs, "no configuration reference found"
    for path in docs:
        assert generated.strip() in path.read_text(encoding="utf-8"), (
            f"{path.name} is out of date: paste the output of `policybot config --markdown`")
