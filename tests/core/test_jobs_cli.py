"""`policybot jobs`, `purge` and `delegate` from the command line."""

from __future__ import annotations

from pathlib import Path

from testing.cli import run_cli


def test_jobs_purge_and_delegate_commands(tmp_path: Path) -> None:
    env = {"POLICYBOT_DB": str(tmp_path / "db" / "policybot.json")}
    chat = run_cli("chat", "--as", "sophie.bennett@northbrook.example", cwd=tmp_path, env=env,
               stdin="can I post this?\nOakfield's new library opens on Monday\n1\nquit\n")
    assert "Please choose" not in chat.stdout  # the one question asked (where) was answered
    assert "to Daniel Osei: [ Approval needed: SM-0001" in chat.stdout, chat.stdout
    listed = run_cli("jobs", "list", cwd=tmp_path, env=env)
    assert listed.returncode == 0 and "remind SM-0001" in listed.stdout
    far = run_cli("jobs", "run", "--at", "2026-12-30T09:00:00Z", cwd=tmp_path, env=env)
    assert far.returncode == 0, far.stderr
    assert "expired: 1" in far.stdout
    again = run_cli("jobs", "run", "--at", "2026-12-30T09:05:00Z", cwd=tmp_path, env=env)
    assert "expired" not in again.stdout
    dry = run_cli("purge", "--dry-run", "--at", "2032-06-01T00:00:00Z", cwd=tmp_path, env=env)
    assert dry.returncode == 0 and "SM-0001" in dry.stdout and "dry run" in dry.stdout
    exported = run_cli("export", "--format", "json", cwd=tmp_path, env=env)
    # The dry run removed nothing.
    assert "Oakfield's new library opens on Monday" in exported.stdout
    bad = run_cli("delegate", "daniel.osei@northbrook.example", "--to",
              "daniel.osei@northbrook.example", "--until", "2030-01-01", cwd=tmp_path, env=env)
    assert bad.returncode == 1 and "yourself" in bad.stderr
    good = run_cli("delegate", "daniel.osei@northbrook.example", "--to",
               "imran.hussain@northbrook.example", "--until", "2099-01-01", cwd=tmp_path,
               env=env)
    assert good.returncode == 0 and "Imran Hussain" in good.stdout
