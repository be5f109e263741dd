"""Hostile input and what it must not do: junk bodies, broken envelopes and broken CSV files as
Hypothesis strategies, and checks that nothing was written and nothing internal leaked.

Each "broken" strategy starts from something valid and breaks it in a way the product must
refuse or ignore, so a test can demand that nothing at all was written.
"""

from __future__ import annotations

import copy
import csv
import io
import json
from typing import Any
from urllib.parse import urlencode

from hypothesis import strategies as st

from storage.base import Storage

APP_PASSWORD = "not-a-real-client-secret"
TENANT_ID = "00000000-0000-0000-0000-000000000001"
# Never in a response body: what a traceback or an error echoing internals would show.
LEAKS = ("Traceback", 'File "', APP_PASSWORD)

Snapshot = dict[str, tuple[str, dict]]


async def snapshot(storage: Storage) -> Snapshot:
    """Every stored document with its etag: any write, even of the same value, shows."""
    return {key: (record.etag, record.value) for key, record in await storage.scan("")}


def assert_no_leak(text: str) -> None:
    for leak in LEAKS:
        assert leak not in text, f"response body shows {leak!r}: {text[:300]!r}"


# Any JSON value, kept small: the interesting part is the shape, not the size.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                  max_size=4),
    max_leaves=12,
)
not_a_string = st.none() | st.booleans() | st.integers() | st.lists(st.integers(), max_size=2) \
    | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)
not_an_object = st.none() | st.booleans() | st.integers() | st.text(max_size=10) \
    | st.lists(st.integers(), max_size=3)
junk_bytes = st.binary(max_size=2000) | st.text(max_size=500).map(str.encode)
content_types = st.sampled_from(["application/json", "application/x-www-form-urlencoded",
                                 "text/plain", "application/octet-stream", ""])


def _set(body: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    broken = copy.deepcopy(body)
    node = broken
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return broken


def _drop(body: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    broken = copy.deepcopy(body)
    node = broken
    for key in path[:-1]:
        node = node[key]
    node.pop(path[-1], None)
    return broken


# -- Slack --------------------------------------------------------------------------------


def broken_slack_events(valid: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A message event that must be refused (400) or ignored (200, nothing done)."""
    return st.one_of(
        not_an_object.filter(lambda v: v is not None).map(lambda v: _set(valid, ("type",), v)),
        not_an_object.map(lambda v: _set(valid, ("event",), v)),
        not_a_string.map(lambda v: _set(valid, ("event", "type"), v)),
        not_a_string.map(lambda v: _set(valid, ("event", "user"), v)),
        not_a_string.map(lambda v: _set(valid, ("event", "text"), v)),
        not_a_string.map(lambda v: _set(valid, ("event", "channel"), v)),
        st.text(max_size=8).filter(lambda v: v != "im")
        .map(lambda v: _set(valid, ("event", "channel_type"), v)),
        st.text(min_size=1, max_size=20).map(lambda v: _set(valid, ("event", "subtype"), v)),
        st.text(min_size=1, max_size=20).map(lambda v: _set(valid, ("event", "bot_id"), v)),
        st.just(_drop(valid, ("event",))),
    )


OUR_ACTION_IDS = {"continue", "choose_select", "tick"}  # and "choose:<n>", "press:<n>"


def broken_slack_actions(valid: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A button press that must be refused (400) or ignored (200, nothing done).

    ``valid`` carries a value no button of ours has, so only a change that made it one of
    ours could make it do something; those are not generated."""
    action = ("actions", 0)
    return st.one_of(
        not_an_object.map(lambda v: _set(valid, ("user",), v)),
        not_an_object.map(lambda v: _set(valid, ("actions",), v)),
        st.just(_set(valid, ("actions",), [])),
        not_an_object.map(lambda v: _set(valid, ("actions",), [v])),
        not_a_string.map(lambda v: _set(valid, (*action, "action_id"), v)),
        not_a_string.filter(lambda v: v is not None)
        .map(lambda v: _set(valid, (*action, "block_id"), v)),
        st.text(max_size=40).filter(lambda v: not v.lstrip().startswith("{"))
        .map(lambda v: _set(valid, (*action, "value"), v)),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz:", min_size=1, max_size=12)
        .filter(lambda v: v not in OUR_ACTION_IDS and not v.startswith(("choose:", "press:")))
        .map(lambda v: _set(valid, (*action, "action_id"), v)),
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=11)
        .map(lambda v: _set(valid, ("user", "id"), "UZ" + v)),
    )


def form(payload: Any) -> bytes:
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return urlencode({"payload": text}).encode()


# -- Teams --------------------------------------------------------------------------------


def broken_activities(valid: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """An activity the endpoint must refuse before the bot sees it."""
    account_breakers: st.SearchStrategy[Any] = st.one_of(
        not_an_object, st.just({}), st.just({"id": ""}),
        not_a_string.map(lambda v: {"id": v, "name": "x"}))
    return st.one_of(
        st.sampled_from(["from", "conversation", "serviceUrl", "type"]).map(
            lambda key: _drop(valid, (key,))),
        account_breakers.map(lambda v: _set(valid, ("from",), v)),
        account_breakers.map(lambda v: _set(valid, ("conversation",), v)),
        account_breakers.filter(lambda v: v is not None)
        .map(lambda v: _set(valid, ("recipient",), v)),
        not_a_string.map(lambda v: _set(valid, ("type",), v)),
        st.just(_set(valid, ("type",), "")),
        (not_a_string | st.text(max_size=20).filter(lambda v: not v.startswith("http")))
        .map(lambda v: _set(valid, ("serviceUrl",), v)),
        not_a_string.filter(lambda v: v is not None)
        .map(lambda v: _set(valid, ("text",), v)),
        not_a_string.filter(lambda v: v is not None).map(lambda v: _set(valid, ("id",), v)),
        (st.booleans() | st.integers() | st.text(max_size=5) | st.lists(st.integers()))
        .map(lambda v: _set(valid, ("channelData",), v)),
        (not_an_object.filter(lambda v: v is not None and not isinstance(v, list))
         | st.lists(not_an_object, min_size=1, max_size=3))
        .map(lambda v: _set(valid, ("membersAdded",), v)),
    )


# -- directory CSV ------------------------------------------------------------------------

HEADER = ["email", "name", "school", "line_manager_email", "roles"]
VALID_ROWS = [
    ["amir.khan@northbrook.example", "Amir Khan", "Oakfield Primary",
     "joanne.clarke@northbrook.example", ""],
    ["beth.jones@northbrook.example", "Beth Jones", "Oakfield Primary",
     "amir.khan@northbrook.example", ""],
]
bad_emails = st.one_of(
    st.sampled_from(["", "   ", "no-at-sign", "two@@at.example", "spaced name@x.example",
                     "a@b", "slash/in@x.example", "x@y.", "<x@y.example>"]),
    st.text(alphabet="abc xyz.-_", min_size=1, max_size=20),
)
unknown_roles = st.text(alphabet="qwxz_", min_size=1, max_size=10)


def to_csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _with_row_change(column: int, value: str) -> str:
    rows = copy.deepcopy(VALID_ROWS)
    rows[0][column] = value
    return to_csv([HEADER, *rows])


@st.composite
def broken_directories(draw: st.DrawFn) -> str:
    """A directory CSV with at least one problem the import must report."""
    kind = draw(st.sampled_from([
        "email", "name", "school", "manager", "role", "header_missing", "header_unknown",
        "fields", "unknown_manager", "self_manager", "second_ceo", "duplicate", "cycle",
        "no_header",
    ]))
    if kind == "email":
        return _with_row_change(0, draw(bad_emails))
    if kind == "name":
        return _with_row_change(1, draw(st.sampled_from(["", "  ", "\t"])))
    if kind == "school":
        return _with_row_change(2, draw(st.sampled_from(["", " "])))
    if kind == "manager":
        return _with_row_change(3, draw(bad_emails.filter(lambda v: v.strip() != "")))
    if kind == "role":
        return _with_row_change(4, draw(unknown_roles))
    if kind == "header_missing":
        gone = draw(st.sampled_from(HEADER))
        keep = [i for i, c in enumerate(HEADER) if c != gone]
        rows = [[r[i] for i in keep] for r in [HEADER, *VALID_ROWS]]
        return to_csv(rows)
    if kind == "header_unknown":
        extra = draw(st.text(alphabet="abcdefgh_", min_size=1, max_size=10))
        return to_csv([[*HEADER, "x_" + extra], *[[*r, ""] for r in VALID_ROWS]])
    if kind == "fields":
        cut = draw(st.integers(min_value=1, max_value=len(HEADER) - 1))
        more = draw(st.lists(st.text(max_size=5), min_size=1, max_size=3))
        row = draw(st.sampled_from([VALID_ROWS[0][:cut], VALID_ROWS[0] + more]))
        return to_csv([HEADER, row, VALID_ROWS[1]])
    if kind == "unknown_manager":
        return _with_row_change(3, "nobody.here@northbrook.example")
    if kind == "self_manager":
        return _with_row_change(3, VALID_ROWS[0][0])
    if kind == "second_ceo":
        return _with_row_change(4, "ceo")
    if kind == "duplicate":
        return to_csv([HEADER, *VALID_ROWS, VALID_ROWS[0]])
    if kind == "cycle":
        return _with_row_change(3, VALID_ROWS[1][0])
    blank = draw(st.sampled_from(["", "\n\n", ",,,,\n", "\ufeff"]))
    return blank
