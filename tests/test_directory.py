"""The staff directory: CSV validation, the stored import, snapshots and ``directory show``."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path

import pytest

from bot.directory import DirectoryStore, describe_person, sample_csv
from bot.directory_csv import WHOLE_DIRECTORY, RowError, parse_directory_csv
from conversations.people import CENTRAL, KNOWN_ROLES, PeopleIndex, Person
from storage.base import Change, Record, Storage
from storage.memory import MemoryStorage

HEADER = "email,name,school,line_manager_email,roles"
# A minimal valid trust; its rows are lines 2-6, so extra rows start on line 7.
BASE = [
    "ceo@t.example,Cara Eo,Central,,ceo",
    "gov@t.example,Gus Ov,Central,ceo@t.example,governance_lead",
    "dpo@t.example,Dee Po,Central,gov@t.example,dpo",
    "head@t.example,Hal Head,Oak School,ceo@t.example,headteacher",
    "teach@t.example,Tia Teach,Oak School,head@t.example,",
]
FIRST_EXTRA = len(BASE) + 2


def csv_text(*extra: str, base: Sequence[str] = BASE, header: str = HEADER) -> str:
    return "\n".join([header, *base, *extra]) + "\n"


def errors_of(text: str, existing: Sequence[Person] = ()) -> list[RowError]:
    return parse_directory_csv(text, existing)[1]


def only_error(text: str, existing: Sequence[Person] = ()) -> RowError:
    errors = errors_of(text, existing)
    assert len(errors) == 1, errors
    return errors[0]


# --- backends -------------------------------------------------------------------------------

BACKENDS = ["memory"]
if importlib.util.find_spec("storage.tinydb_store") is not None:
    BACKENDS.append("tinydb")


def make_storage(kind: str, tmp_path: Path) -> Storage:
    if kind == "memory":
        return MemoryStorage()
    module = importlib.import_module("storage.tinydb_store")
    backend: Storage = module.TinyDBStorage(tmp_path / "policybot.json")
    return backend


@pytest.fixture(params=BACKENDS)
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    store = make_storage(request.param, tmp_path)
    yield store
    await store.close()


async def dump(storage: Storage) -> dict[str, tuple[object, str]]:
    return {key: (rec.value, rec.etag) for key, rec in await storage.scan("")}


# --- the sample ------------------------------------------------------------------------------


def test_sample_parses_cleanly() -> None:
    people, errors = parse_directory_csv(sample_csv())
    assert errors == []
    index = PeopleIndex(people)
    assert {p.school for p in people} == {CENTRAL, "Oakfield Primary", "Riverside Academy"}
    assert [p.email for p in index.with_role("ceo")] == ["helen.whitfield@northbrook.example"]
    assert len(index.with_role("headteacher")) == 2
    assert index.with_role("fallback_approver")[0].line_manager == ""
    assert all(p.email.endswith("@northbrook.example") for p in people)
    assert {r for p in people for r in p.roles} <= KNOWN_ROLES


async def test_sample_loads_into_store(storage: Storage) -> None:
    store = DirectoryStore(storage)
    assert await store.is_empty()
    assert await store.ensure_sample() is True
    assert not await store.is_empty()
    assert await store.ensure_sample() is False
    index = await store.snapshot()
    assert len(list(index.people())) == 22
    meta = await storage.get("meta/directory")
    assert meta is not None
    assert meta.value["version"] == 1 and meta.value["count"] == 22
    assert "updated_at" in meta.value


async def test_ensure_sample_loads_once_across_processes(storage: Storage) -> None:
    results = await asyncio.gather(*(DirectoryStore(storage).ensure_sample() for _ in range(3)))
    assert sorted(results) == [False, False, True]
    meta = await storage.get("meta/directory")
    assert meta is not None and meta.value["version"] == 1


# --- header and row shape --------------------------------------------------------------------


def test_missing_header_column() -> None:
    error = only_error(csv_text(header="email,name,school,roles"))
    assert error.line == 1 and "line_manager_email" in error.message


def test_unknown_column_is_named() -> None:
    text = "\n".join([HEADER + ",shoe_size", *(row + ",9" for row in BASE)])
    error = only_error(text)
    assert error.line == 1 and "shoe_size" in error.message


def test_empty_file_has_no_header() -> None:
    error = only_error("")
    assert error.line == 1 and "header" in error.message


def test_columns_in_any_order_with_optional_ids() -> None:
    header = "roles,slack_user_id,name,email,teams_aad_object_id,line_manager_email,school"
    rows = []
    for row in BASE:
        email, name, school, manager, roles = row.split(",")
        rows.append(f"{roles},U-{name[:3]},{name},{email},aad-{name[:3]},{manager},{school}")
    people, errors = parse_directory_csv("\n".join([header, *rows]))
    assert errors == []
    head = PeopleIndex(people).get("head@t.example")
    assert head is not None and head.roles == {"headteacher"}
    assert head.platform_id("slack") == "U-Hal"


def test_wrong_number_of_fields() -> None:
    error = only_error(csv_text("x@t.example,Ex,Oak School,teach@t.example,,surplus"))
    assert error.line == FIRST_EXTRA and "fields" in error.message


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (",No Email,Oak School,teach@t.example,", "email"),
        ("x@t.example,,Oak School,teach@t.example,", "name"),
        ("x@t.example,Ex,,teach@t.example,", "school"),
    ],
)
def test_missing_required_value(row: str, column: str) -> None:
    error = only_error(csv_text(row))
    assert error.line == FIRST_EXTRA
    assert error.message.startswith(column) and "missing" in error.message


def test_invalid_email() -> None:
    error = only_error(csv_text("not an email,Ex,Oak School,teach@t.example,"))
    assert error.line == FIRST_EXTRA and "not a valid email" in error.message


def test_unknown_role() -> None:
    error = only_error(csv_text("x@t.example,Ex,Oak School,teach@t.example,teacher"))
    assert error.line == FIRST_EXTRA and "unknown role 'teacher'" in error.message


def test_duplicate_email_names_both_lines() -> None:
    error = only_error(csv_text("TEACH@t.example ,Twin,Oak School,head@t.example,"))
    assert error.line == FIRST_EXTRA
    assert "duplicate" in error.message and "line 6" in error.message


# --- line management -------------------------------------------------------------------------


def test_unknown_manager() -> None:
    error = only_error(csv_text("x@t.example,Ex,Oak School,nobody@t.example,"))
    assert error.line == FIRST_EXTRA
    assert "unknown manager" in error.message and "nobody@t.example" in error.message


def test_own_manager() -> None:
    error = only_error(csv_text("x@t.example,Ex,Oak School,x@t.example,"))
    assert error.line == FIRST_EXTRA and "own manager" in error.message


def test_cycle_names_its_members_on_each_line() -> None:
    errors = errors_of(
        csv_text(
            "a@t.example,Ay,Oak School,b@t.example,",
            "b@t.example,Bee,Oak School,c@t.example,",
            "c@t.example,Cee,Oak School,a@t.example,",
        )
    )
    assert [e.line for e in errors] == [FIRST_EXTRA, FIRST_EXTRA + 1, FIRST_EXTRA + 2]
    for error in errors:
        assert "cycle" in error.message
        assert all(f"{x}@t.example" in error.message for x in "abc")


def test_cycle_through_existing_people() -> None:
    # The head (already on file) is re-pointed at the teacher who reports to them.
    existing = parse_directory_csv(csv_text())[0]
    errors = errors_of(
        csv_text(base=["head@t.example,Hal Head,Oak School,teach@t.example,headteacher"]),
        existing,
    )
    assert [e.line for e in errors] == [2]
    assert "cycle" in errors[0].message and "teach@t.example" in errors[0].message


# --- the directory as a whole ----------------------------------------------------------------


def test_school_without_headteacher() -> None:
    error = only_error(csv_text("x@t.example,Ex,Elm School,teach@t.example,"))
    assert error.line == WHOLE_DIRECTORY
    assert "'Elm School' has no headteacher" in error.message


@pytest.mark.parametrize(
    ("role", "words"),
    [("ceo", "no CEO"), ("dpo", "no Data Protection Officer"), ("governance_lead", "no Head of")],
)
def test_missing_trust_role(role: str, words: str) -> None:
    # Keep the person (their reports still need a manager), drop only the role.
    base = [
        row.removesuffix("," + role) + ("," if row.endswith("," + role) else "") for row in BASE
    ]
    assert base != BASE
    error = only_error(csv_text(base=base))
    assert error.line == WHOLE_DIRECTORY and words in error.message


def test_more_than_one_ceo() -> None:
    errors = errors_of(csv_text("x@t.example,Ex,Central,,ceo"))
    assert [e.line for e in errors] == [2, FIRST_EXTRA]  # each CEO's row
    assert all("more than one CEO" in e.message and "x@t.example" in e.message for e in errors)


@pytest.mark.parametrize("column", ["slack_user_id", "teams_aad_object_id"])
def test_platform_id_used_twice(column: str) -> None:
    rows = [row + ("," + "ID1" if n in (3, 6) else ",") for n, row in enumerate(BASE, start=2)]
    errors = errors_of(csv_text(base=rows, header=f"{HEADER},{column}"))
    assert [e.line for e in errors] == [3, 6]
    assert all(column in e.message and "'ID1'" in e.message for e in errors)


def test_every_problem_is_reported_and_no_message_echoes_the_row() -> None:
    bad = [
        "bad-email,Ex One,Oak School,teach@t.example,",
        "y@t.example,Ex Two,Oak School,ghost@t.example,wizard",
        "z@t.example,Ex Three,Oak School,z@t.example,",
    ]
    errors = errors_of(csv_text(*bad))
    assert [e.line for e in errors] == [7, 8, 8, 9]
    for error in errors:
        assert not any(row in error.message for row in bad)
        assert not any(name in error.message for name in ("Ex One", "Ex Two", "Ex Three"))


def test_emails_are_normalised() -> None:
    people, errors = parse_directory_csv(csv_text("  X.Y@T.Example ,Ex,Oak School,HEAD@t.example,"))
    assert errors == []
    assert people[-1].email == "x.y@t.example" and people[-1].line_manager == "head@t.example"


# --- the store --------------------------------------------------------------------------------


async def test_import_with_a_bad_row_writes_nothing(storage: Storage) -> None:
    store = DirectoryStore(storage)
    assert (await store.import_csv(csv_text(), source="first")).ok
    before = await dump(storage)
    report = await store.import_csv(
        csv_text("new@t.example,New,Oak School,teach@t.example,", "bad,Bad,Oak School,,"),
        source="second",
    )
    assert not report.ok and [e.line for e in report.errors] == [FIRST_EXTRA + 1]
    assert report.version is None and report.added == 0
    assert await dump(storage) == before
    assert (await store.snapshot()).get("new@t.example") is None


async def test_upsert_replaces_and_may_use_existing_manager(storage: Storage) -> None:
    store = DirectoryStore(storage)
    first = await store.import_csv(csv_text(), source="first")
    assert (first.added, first.updated, first.version) == (5, 0, 1)
    # Only two rows: a new person managed by someone already on file, and a renamed teacher.
    second = await store.import_csv(
        csv_text(
            base=[
                "new@t.example,Nia New,Oak School,teach@t.example,",
                "teach@t.example,Tia Renamed,Oak School,head@t.example,admin",
            ]
        ),
        source="second",
    )
    assert second.ok, second.errors
    assert (second.added, second.updated, second.version) == (1, 1, 2)
    index = await store.snapshot()
    teacher = index.get("teach@t.example")
    assert teacher is not None and teacher.name == "Tia Renamed" and teacher.roles == {"admin"}
    assert len(list(index.people())) == 6
    meta = await storage.get("meta/directory")
    assert meta is not None and meta.value["count"] == 6 and meta.value["source"] == "second"


async def test_snapshot_reloads_after_another_instance_imports(storage: Storage) -> None:
    ours, theirs = DirectoryStore(storage), DirectoryStore(storage)
    await ours.import_csv(csv_text(), source="first")
    snap = await ours.snapshot()
    assert await ours.snapshot() is snap  # unchanged version: the cached index is reused
    await theirs.import_csv(csv_text("n@t.example,Nat,Oak School,head@t.example,"), source="x")
    fresh = await ours.snapshot()
    assert fresh is not snap and fresh.get("n@t.example") is not None


async def test_import_retries_when_another_import_lands_first() -> None:
    inner = MemoryStorage()

    class Racing(MemoryStorage):
        """Lets a rival import commit just before our first write."""

        raced = False

        async def write(self, changes: Sequence[Change]) -> dict[str, str]:
            if not self.raced:
                self.raced = True
                await DirectoryStore(inner).import_csv(
                    csv_text("r@t.example,Rival,Oak School,head@t.example,"), source="rival"
                )
            return await inner.write(changes)

        async def read(self, keys: Iterable[str]) -> dict[str, Record]:
            return await inner.read(keys)

        async def scan(self, prefix: str) -> list[tuple[str, Record]]:
            return await inner.scan(prefix)

    report = await DirectoryStore(Racing()).import_csv(csv_text(), source="ours")
    assert report.ok and report.version == 2
    # Re-validated against the rival's import: its five shared rows are now unchanged.
    assert (report.added, report.updated, report.unchanged) == (0, 0, 5)
    assert (await DirectoryStore(inner).snapshot()).get("r@t.example") is not None


async def test_crlf_and_bom_import(storage: Storage) -> None:
    text = "\ufeff" + csv_text().replace("\n", "\r\n")
    report = await DirectoryStore(storage).import_csv(text, source="excel")
    assert report.ok, report.errors
    index = await DirectoryStore(storage).snapshot()
    head = index.get("head@t.example")
    assert head is not None and head.roles == {"headteacher"}  # no stray "\r" in the last column


# --- directory show ---------------------------------------------------------------------------


@pytest.fixture
def sample_index() -> PeopleIndex:
    return PeopleIndex(parse_directory_csv(sample_csv())[0])


def test_describe_teacher(sample_index: PeopleIndex) -> None:
    text = describe_person(sample_index, "Imran.Hussain@northbrook.example")
    assert "Imran Hussain <imran.hussain@northbrook.example>" in text
    assert "Line manager: Daniel Osei" in text
    chain = [line for line in text.splitlines() if line.startswith("  ")]
    assert [line.split(". ")[1].split(" <")[0] for line in chain] == [
        "Daniel Osei",
        "Joanne Clarke",
        "Helen Whitfield",
    ]
    assert "Headteacher of Oakfield Primary: Joanne Clarke" in text
    assert "Alastair Fraser" in text.splitlines()[-1]


def test_describe_central_member(sample_index: PeopleIndex) -> None:
    text = describe_person(sample_index, "chloe.adeyemi@northbrook.example")
    assert "Line manager: Gareth Llewellyn" in text
    assert "1. Gareth Llewellyn" in text and "2. Helen Whitfield" in text
    assert "CEO (stands in for the headteacher for the central team): Helen Whitfield" in text


def test_describe_ceo(sample_index: PeopleIndex) -> None:
    text = describe_person(sample_index, "helen.whitfield@northbrook.example")
    assert "Line manager: none" in text and "(no one above them)" in text
    assert "(themselves)" in text
    assert "Fallback approver(s), when no one above can approve: Alastair Fraser" in text


def test_describe_unknown_email(sample_index: PeopleIndex) -> None:
    with pytest.raises(LookupError, match="nobody@northbrook.example"):
        describe_person(sample_index, "nobody@northbrook.example")
