"""``policybot directory sync --from entra``, run as an admin runs it."""

from __future__ import annotations

import asyncio
import os
import subprocess

from bot.directory_sync.command import SAFETY_STOP_EXIT
from testing.entra.tenant import CEO, ROLE_GROUPS, Tenant, object_id
from testing.server.serve_process import POLICYBOT


async def policybot(tenant: Tenant, *args: str, **settings: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("POLICYBOT_", "SLACK_", "MICROSOFT_", "DATABASE_URL"))}
    env.update(tenant.config(**settings).values)
    # The fake Graph's own certificate authority, for MSAL (requests) and aiohttp alike.
    env.update(REQUESTS_CA_BUNDLE=str(tenant.graph.cert), SSL_CERT_FILE=str(tenant.graph.cert))
    return await asyncio.to_thread(
        subprocess.run, [str(POLICYBOT), "directory", "sync", *args], env=env,
        cwd=tenant.folder, capture_output=True, text=True, timeout=120, check=False)


async def test_dry_run_then_sync_then_a_problem_then_a_safety_stop(tenant: Tenant) -> None:
    dry = await policybot(tenant, "--from", "entra", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith(
        "Directory sync from Microsoft Entra ID (dry run: nothing was changed)\n")
    assert ("  + add     Sophie Bennett <sophie.bennett@northbrook.example> (Oakfield Primary; "
            "manager daniel.osei@northbrook.example)") in dry.stdout
    assert "Summary: 23 to add, 0 to change" in dry.stdout
    assert not (tenant.folder / "db" / "policybot.json").exists() or "person/" not in (
        tenant.folder / "db" / "policybot.json").read_text(encoding="utf-8")

    real = await policybot(tenant, "--from", "entra")
    assert real.returncode == 0, real.stderr
    assert "Summary: 23 to add" in real.stdout and "Directory version 1." in real.stdout

    tenant.graph.groups[ROLE_GROUPS["ceo"]].remove(object_id(CEO))
    problem = await policybot(tenant, "--from", "entra")
    assert problem.returncode == 1
    assert "problem: no CEO (role ceo) in the directory" in problem.stderr
    assert "Nothing changed: 1 problem(s)." in problem.stderr
    tenant.graph.groups[ROLE_GROUPS["ceo"]].append(object_id(CEO))

    for email in ("lucy.evans@northbrook.example", "margaret.doyle@northbrook.example",
                  "imran.hussain@northbrook.example"):
        tenant.remove(email)
    stopped = await policybot(tenant, "--from", "entra")
    assert stopped.returncode == SAFETY_STOP_EXIT
    assert "Stopped: this would mark 3 of 23 people (13%) as left" in stopped.stderr
    forced = await policybot(tenant, "--from", "entra", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "- left    Lucy Evans <lucy.evans@northbrook.example> (Oakfield Primary)" in (
        forced.stdout)


async def test_missing_settings_are_a_configuration_error(tenant: Tenant) -> None:
    done = await policybot(tenant, "--from", "entra", POLICYBOT_ENTRA_STAFF_GROUP="All staff")
    assert done.returncode == 2
    assert done.stderr.startswith("policybot: configuration error: POLICYBOT_ENTRA_STAFF_GROUP")
    assert "Traceback" not in done.stderr


async def test_a_dry_run_on_a_new_data_folder_creates_nothing(tenant: Tenant) -> None:
    """Before the first real sync: no folder, no data file, no lock file appears."""
    missing = tenant.folder / "fresh" / "data" / "policybot.json"
    empty = tenant.folder / "empty"
    empty.mkdir()
    for target in (missing, empty / "policybot.json"):
        dry = await policybot(tenant, "--from", "entra", "--dry-run", POLICYBOT_DB=str(target))
        assert dry.returncode == 0, dry.stderr
        assert "Summary: 23 to add" in dry.stdout
    assert not (tenant.folder / "fresh").exists()
    assert list(empty.iterdir()) == []

    real = await policybot(tenant, "--from", "entra", POLICYBOT_DB=str(missing))
    assert real.returncode == 0, real.stderr
    assert missing.is_file()  # the real sync creates the store, as before
    again = await policybot(tenant, "--from", "entra", "--dry-run", POLICYBOT_DB=str(missing))
    assert again.returncode == 0 and "Summary: 0 to add, 0 to change" in again.stdout


async def test_warnings_are_printed_with_the_people_they_are_about(tenant: Tenant) -> None:
    tenant.disable("daniel.osei@northbrook.example")
    dry = await policybot(tenant, "--from", "entra", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert ("warning: Sophie Bennett <sophie.bennett@northbrook.example> needs a new manager: "
            "their manager Daniel Osei <daniel.osei@northbrook.example> has a disabled account "
            "in Entra. Until Entra names a new one, their approvals go to Joanne Clarke "
            "<joanne.clarke@northbrook.example>.") in dry.stdout.splitlines()
