"""`policybot outbox`: the failed deliveries listed, and retried from the command line."""

from __future__ import annotations

from pathlib import Path

from bot import delivery_failures
from testing.chat import make_app
from testing.cli import run_cli
from testing.outbox import UNINSTALLED, ask_for_approval, setup
from testing.staff import DEPUTY

DRAFT_WORDS = "library opens on Monday"


async def test_failed_deliveries_are_listed_and_retried_from_the_command_line(
        tmp_path: Path) -> None:
    app = await make_app(tmp_path)
    try:
        platform = await setup(app, DEPUTY)
        platform.refuse[DEPUTY] = UNINSTALLED
        await ask_for_approval(app)
        [failed] = await delivery_failures.failed(app.storage)
    finally:
        await app.close()
    env = {"POLICYBOT_DB": str(tmp_path / "policybot.json")}

    listed = run_cli("outbox", cwd=tmp_path, env=env)
    assert listed.returncode == 0, listed.stderr
    assert "Failed deliveries: 1" in listed.stdout
    assert failed.ident in listed.stdout and DEPUTY in listed.stdout
    assert "teams HTTP 403 BotNotInConversationRoster" in listed.stdout
    assert "Approval needed: SM-0001" in listed.stdout
    assert DRAFT_WORDS not in listed.stdout  # never the draft
    assert run_cli("outbox", "list", cwd=tmp_path, env=env).stdout == listed.stdout

    nothing = run_cli("outbox", "retry", cwd=tmp_path, env=env)
    assert nothing.returncode == 2 and "--all" in nothing.stderr
    unknown = run_cli("outbox", "retry", "no-such-id", cwd=tmp_path, env=env)
    assert unknown.returncode == 1 and "no failed delivery no-such-id" in unknown.stderr

    # This process serves no Teams: the retried card waits for the server.
    retried = run_cli("outbox", "retry", "--all", cwd=tmp_path, env=env)
    assert retried.returncode == 0, retried.stderr
    assert "Retried 1: 0 delivered, 0 failed again, 1 left for the server" in retried.stdout
    after = run_cli("outbox", cwd=tmp_path, env=env)
    assert "Failed deliveries: 0; messages still to deliver: 1" in after.stdout
