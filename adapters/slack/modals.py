"""Slack modals: the reason asked for before a press that needs one (a rejection, a
disputed finding). The press and the card it was on travel in the modal's metadata."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from adapters.slack.blocks import BUTTON_TEXT, MODAL_TITLE, Block, plain, section
from conversations.messages import ActionName

REJECT_CALLBACK = "reject_reason"
REASON_BLOCK = "reason"
REASON_LENGTH = 1000

# What the reason modal says for each button that asks for a reason first.
_REASON_WORDING = {
    "reject": ("Reject {id}", "Reject",
               "Why are you rejecting {id}? The requester will see your reason."),
    "dispute": ("Not what it means", "Send for approval",
                "What did I misread? Your line manager will see your reason with the post and "
                "decide before it is posted."),
}


def reject_modal(request_id: str, conversation: str, message_ts: str) -> Block:
    return reason_modal("reject", request_id, "", conversation, message_ts)


def reason_modal(name: str, request_id: str, value: str, conversation: str,
                 message_ts: str) -> Block:
    """Asks for the reason behind a press (a rejection, a disputed finding); the press and
    the card it was on travel in the metadata."""
    title, submit, ask = _REASON_WORDING.get(name, _REASON_WORDING["reject"])
    metadata = json.dumps({"a": name, "r": request_id, "v": value, "c": conversation,
                           "t": message_ts}, separators=(",", ":"))
    return {
        "type": "modal",
        "callback_id": REJECT_CALLBACK,
        "private_metadata": metadata,
        "title": plain(title.format(id=request_id), MODAL_TITLE),
        "submit": plain(submit, MODAL_TITLE),
        "close": plain("Cancel", MODAL_TITLE),
        "blocks": [
            section(ask.format(id=request_id)),
            {"type": "input", "block_id": REASON_BLOCK,
             "label": plain("Reason", BUTTON_TEXT),
             "element": {"type": "plain_text_input", "action_id": REASON_BLOCK,
                         "multiline": True, "max_length": REASON_LENGTH}},
        ],
    }


@dataclass(frozen=True)
class RejectReason:
    request_id: str
    conversation: str
    message_ts: str
    reason: str
    name: ActionName = "reject"
    value: str = ""


def read_reject(view: Mapping[str, Any]) -> RejectReason:
    """The submitted reason modal; ValueError/KeyError/TypeError when it is not one of ours."""
    meta = json.loads(view.get("private_metadata") or "")
    name = meta.get("a", "reject") if isinstance(meta, dict) else ""
    if not isinstance(meta, dict) or name not in _REASON_WORDING or not (
            meta.get("r") or meta.get("v")):
        raise ValueError("not a reason modal")
    field = view["state"]["values"][REASON_BLOCK][REASON_BLOCK]
    return RejectReason(str(meta.get("r", "")), str(meta.get("c", "")), str(meta.get("t", "")),
                        str(field.get("value") or ""), cast(ActionName, name),
                        str(meta.get("v", "")))
