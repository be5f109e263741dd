"""The Teams side runs on the Agents SDK's maintained packages: nothing deprecated is imported,
and the server starts and takes a Teams turn without a deprecation warning."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

from testing.server.serve_process import ServerProcess, base_env
from testing.staff import DEPUTY


def test_the_teams_adapter_imports_no_deprecated_sdk_package(tmp_path: Path) -> None:
    code = ("import sys, adapters.teams, adapters.teams.connector; "
            "print(sorted(m for m in sys.modules if m.split('.')[:3] in ("
            "['microsoft_agents', 'hosting', 'teams'], ['microsoft_agents', 'hosting', 'msteams']"
            ")))")
    found = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[2],
                           env=base_env(tmp_path), capture_output=True, text=True, timeout=60,
                           check=False)
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == "[]", found.stdout
    assert "deprecat" not in found.stderr.lower(), found.stderr


def test_the_server_starts_and_takes_a_teams_turn_without_a_deprecation_warning(
        tmp_path: Path) -> None:
    server = ServerProcess(tmp_path, ["--teams-emulator"], {})
    try:
        # The Bot Framework Emulator's way: a user id that is a staff email, no connector
        # answering (the reply fails to send and goes to the outbox); the turn is taken.
        activity = {"type": "message", "id": "1", "text": "hello", "channelId": "emulator",
                    "serviceUrl": "http://127.0.0.1:9/", "from": {"id": DEPUTY},
                    "conversation": {"id": "c1"}, "recipient": {"id": "bot"}}
        request = urllib.request.Request(
            server.url + "api/messages", data=json.dumps(activity).encode(),
            headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=20) as response:
            assert response.status in (200, 201)
    finally:
        assert server.terminate() == 0
    logged = "\n".join(server.stderr).lower()
    assert "deprecat" not in logged, server.stderr
