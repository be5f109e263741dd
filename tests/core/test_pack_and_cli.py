"""The policy pack checker and the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conversations.pack_loader import default_pack_path, load_pack
from conversations.policy import PackError
from testing.cli import run_cli

RULES = Path(__file__).resolve().parents[2] / "conversations" / "packs" / "default.yaml"


def broken_pack(tmp_path: Path, edit, edit_reader=None) -> Path:  # type: ignore[no-untyped-def]
    """A copy of the shipped pack, changed by ``edit``, beside its reader and question files
    (``edit_reader`` changes the reader file)."""
    shipped = default_pack_path()
    data = yaml.safe_load(shipped.read_text())
    edit(data)
    path = tmp_path / "pack.yaml"
    path.write_text(yaml.safe_dump(data))
    reader = yaml.safe_load((shipped.parent / "reader.yaml").read_text())
    if edit_reader is not None:
        edit_reader(reader)
    (tmp_path / "reader.yaml").write_text(yaml.safe_dump(reader, allow_unicode=True))
    for name in ("faq.yaml", "examples.yaml", "first_names.txt"):
        (tmp_path / name).write_text((shipped.parent / name).read_text())
    return path


def check_post_rule(data: dict, rule_id: str) -> dict:
    return next(r for r in data["flows"]["check_post"]["rules"] if r["id"] == rule_id)


def detector(data: dict, detector_id: str) -> dict:
    return next(d for d in data["detectors"] if d["id"] == detector_id)


def test_shipped_pack_is_valid_and_cites_real_clauses() -> None:
    pack = load_pack()
    cited = {c for f in pack.flows.values() for r in f.rules for c in r.clauses}
    assert cited <= set(pack.clauses)
    assert str(pack.next_review) == "2027-01-01"
    assert pack.reader is not None and pack.faq


def test_an_unchanged_copy_of_the_pack_loads(tmp_path: Path) -> None:
    """The broken packs below differ from the shipped one only by their edit."""
    load_pack(broken_pack(tmp_path, lambda d: None))


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda d: d["flows"]["check_post"]["rules"][1].update(clauses=["7.9"]),
     "rules[1] (personal-information): cites clause 7.9, which the pack does not define"),
    (lambda d: check_post_rule(d, "business-on-personal").update(approvers=["deputy_head"]),
     "rules[22] (business-on-personal): unknown approver role 'deputy_head'"),
    (lambda d: d["flows"]["check_post"]["questions"][2].update(ask_if={"channel": "carrier"}),
     "questions[2] (account): ask_if or skip_if expects ['carrier'] from 'channel'"),
    (lambda d: d["flows"]["check_post"]["questions"][5].update(ask_if={"found": "photos"}),
     "questions[5] (pupils_shown): ask_if or skip_if expects ['photos'] from 'found'"),
    (lambda d: d["flows"]["check_post"]["rules"][1].update(when={"colour": "red"}),
     "refers to 'colour', which is not a question of this flow"),
    (lambda d: check_post_rule(d, "derogatory").update(when={"found": ["derogatory", "rude"]}),
     "rules[11] (derogatory): looks for ['rude'], which the reader file's `facts` does not "
     "define"),
    (lambda d: d["flows"]["check_post"]["questions"][0].update(reads=False),
     "rules[1] (personal-information): refers to 'found', which is not a question"),
    (lambda d: d["flows"]["new_account"]["rules"].pop(),
     "flows.new_account: the path"),
    (lambda d: d["flows"]["check_post"]["questions"][2].update(ask_if=["channel"]),
     "questions[2] (account).ask_if: expected a mapping"),
    (lambda d: d["flows"]["check_post"]["rules"][0].update(when="account"),
     "rules[0] (unapproved-account).when: expected a mapping"),
    (lambda d: d.update(consequences=["8.1"]), "consequences: expected a mapping"),
    (lambda d: d["flows"]["new_account"]["questions"][1].update(id="handle"),
     "flows.new_account.questions: must keep the question 'name'"),
])
def test_pack_errors_name_the_file_and_the_place(tmp_path: Path, edit, expected: str) -> None:
    path = broken_pack(tmp_path, edit)
    with pytest.raises(PackError) as caught:
        load_pack(path)
    assert any(p.startswith(str(path)) and expected in p for p in caught.value.problems), \
        caught.value.problems


@pytest.mark.parametrize(("edit_reader", "expected"), [
    (lambda r: r["lexicons"]["insult"].append("useless("),
     "reader.yaml: lexicons.insult[{n}]: pattern 'useless(' does not compile"),
    (lambda r: detector(r, "derogatory-pupils").update(all=["@pupils", "@insults"]),
     "(derogatory-pupils): uses the word list @insults, which `lexicons` does not define"),
    (lambda r: detector(r, "derogatory-pupils").update(fact="rude"),
     "(derogatory-pupils): finds the fact 'rude', which `facts` does not define"),
    (lambda r: detector(r, "harassment").update(clauses=["10.99"]),
     "(harassment): cites clause 10.99, which the pack does not define"),
    (lambda r: detector(r, "addressing-parents").update(channels=["email"]),
     "(addressing-parents): channels must be among"),
    (lambda r: r["facts"].pop("derogatory"),
     "rules[11] (derogatory): looks for ['derogatory'], which the reader file's `facts` does "
     "not define"),
])
def test_reader_errors_name_the_file_and_the_place(tmp_path: Path, edit_reader,
                                                   expected: str) -> None:
    shipped = yaml.safe_load((default_pack_path().parent / "reader.yaml").read_text())
    expected = expected.format(n=len(shipped["lexicons"]["insult"]))
    path = broken_pack(tmp_path, lambda d: None, edit_reader)
    with pytest.raises(PackError) as caught:
        load_pack(path)
    assert any(expected in p for p in caught.value.problems), caught.value.problems
    assert all(p.startswith(str(tmp_path)) for p in caught.value.problems)


def test_a_missing_reader_file_is_named(tmp_path: Path) -> None:
    path = broken_pack(tmp_path, lambda d: d.update(reader="missing.yaml"))
    with pytest.raises(PackError) as caught:
        load_pack(path)
    assert f"{tmp_path / 'missing.yaml'}: top level: cannot be read" in caught.value.problems[0]


def test_unreachable_question_is_reported(tmp_path: Path) -> None:
    def edit(d: dict) -> None:
        # Refusing every channel makes every later question unreachable.
        d["flows"]["check_post"]["rules"].insert(0, {
            "id": "all", "when": {"channel": ["personal", "group", "official"]},
            "outcome": "refuse", "clauses": ["7.1"], "explain": "x"})
    path = broken_pack(tmp_path, edit)
    with pytest.raises(PackError) as caught:
        load_pack(path)
    assert any("questions[4] (connection): is never asked on any path" in p
               for p in caught.value.problems), caught.value.problems


def test_policy_check_command(tmp_path: Path) -> None:
    ok = run_cli("policy", "check", cwd=tmp_path)
    assert ok.returncode == 0 and "OK" in ok.stdout
    bad = broken_pack(tmp_path, lambda d: d["flows"]["check_post"]["rules"][1].update(
        clauses=["99.1"]))
    failed = run_cli("policy", "check", str(bad), cwd=tmp_path)
    assert failed.returncode == 1
    assert f"{bad}: flows.check_post.rules[1]" in failed.stderr
    env_failed = run_cli("policy", "check", cwd=tmp_path, env={"POLICYBOT_POLICY": str(bad)})
    assert env_failed.returncode == 1


def test_directory_import_show_and_export(tmp_path: Path) -> None:
    env = {"POLICYBOT_DB": str(tmp_path / "db" / "policybot.json")}
    bad = tmp_path / "bad.csv"
    bad.write_text("email,name,school,line_manager_email,roles\n"
                   "a@x.example,A,Oakfield Primary,nobody@x.example,\n")
    failed = run_cli("directory", "import", str(bad), cwd=tmp_path, env=env)
    assert failed.returncode == 1 and "line 2" in failed.stderr
    assert "Nothing imported" in failed.stderr
    shown = run_cli("directory", "show", "sophie.bennett@northbrook.example", cwd=tmp_path, env=env)
    assert shown.returncode == 0, shown.stderr
    assert "Daniel Osei" in shown.stdout and "Joanne Clarke" in shown.stdout
    missing = run_cli("directory", "show", "nobody@x.example", cwd=tmp_path, env=env)
    assert missing.returncode == 1 and "Traceback" not in missing.stderr

    chat = run_cli("chat", "--as", "sophie.bennett@northbrook.example", cwd=tmp_path, env=env,
               stdin="can I post this?\nSports day pictures, names Amy B.\n1\n2\nquit\n")
    assert chat.returncode == 0, chat.stderr
    assert "Please choose" not in chat.stdout  # every typed answer was taken
    assert "to Joanne Clarke: [ Approval needed: SM-0001" in chat.stdout
    decided = run_cli("chat", "--as", "joanne.clarke@northbrook.example", cwd=tmp_path, env=env,
                  stdin="pending for me\nf\nquit\n")  # a to e: the menu's buttons
    assert "to Sophie Bennett: [ FINE: Approved: SM-0001 ]" in decided.stdout

    exported = run_cli("export", "--format", "json", cwd=tmp_path, env=env)
    data = json.loads(exported.stdout)
    assert data["requests"][0]["draft"] == "Sports day pictures, names Amy B."
    assert {a["event"] for a in data["audit"]} >= {"created", "decided", "approved"}
    csv_out = run_cli("export", "--since", "2000-01-01", cwd=tmp_path, env=env)
    assert csv_out.stdout.splitlines()[0].startswith("id,kind,status")
    assert "SM-0001,post,approved" in csv_out.stdout


def test_config_masks_secrets(tmp_path: Path) -> None:
    out = run_cli("config", cwd=tmp_path, env={"SLACK_BOT_TOKEN": "xoxb-secret-value",
                                           "SLACK_SIGNING_SECRET": "shh-signing"})
    assert out.returncode == 0, out.stderr
    assert "SLACK_BOT_TOKEN=(set)" in out.stdout
    assert "xoxb-secret-value" not in out.stdout and "shh-signing" not in out.stdout
    holiday = run_cli("config", cwd=tmp_path, env={"POLICYBOT_HOLIDAYS": "2026-12-25,2026-25-12"})
    assert holiday.returncode == 2 and "POLICYBOT_HOLIDAYS" in holiday.stderr
    bad = run_cli("config", cwd=tmp_path, env={"SLACK_BOT_TOKEN": "xoxb-x"})
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0
    assert "SLACK_SIGNING_SECRET" in bad.stderr
