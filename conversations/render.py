"""Neutral messages for outcomes, approvers' cards, notices and lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from conversations.ask import PolicyAnswer
from conversations.evaluation import Evaluation
from conversations.flow_registry import FLOWS, KIND_TITLES
from conversations.intent_registry import MENU
from conversations.messages import Action, Card, Message, Question, Text
from conversations.policy import PolicyPack
from conversations.requests import RequestRecord, StepRecord
from conversations.timefmt import when

STATUS_WORDS = {
    "pending": "waiting for approval",
    "approved": "approved",
    "rejected": "rejected",
    "withdrawn": "withdrawn",
    "expired": "expired",
    "referred": "passed on",
    "acknowledged": "in hand",
}


FLOW_BUTTONS = tuple((f.name, f.offer_label) for f in FLOWS)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def cite(pack: PolicyPack, clauses: Sequence[str]) -> str:
    """One line per clause: number, title and the pack's plain words."""
    lines = []
    for number in clauses:
        clause = pack.clauses.get(number)
        if clause is not None:
            lines.append(f"*{number} {clause.title}*: {clause.plain}")
    return "\n".join(lines)


def reminders(pack: PolicyPack) -> str:
    return "\n".join(
        f"• {r.text} ({', '.join(r.clauses)})" for r in pack.tips
    )


def noticed(evaluation: Evaluation) -> str:
    """What the reader saw, one line each: I noticed "her mum is useless" about ..."""
    return "\n".join(f.sentence() for f in evaluation.findings)


def _fixes(pack: PolicyPack, evaluation: Evaluation) -> str:
    if pack.reader is None:
        return ""
    fixes = [pack.reader.facts[f.fact].fix for f in evaluation.findings
             if f.fact in pack.reader.facts and pack.reader.facts[f.fact].fix]
    return " ".join(dict.fromkeys(fixes))


def refusal(pack: PolicyPack, evaluation: Evaluation, check_id: str = "") -> list[Message]:
    reasons = "\n".join(
        f"• {r.explain} ({', '.join(r.clauses)})" for r in evaluation.refusals
    )
    revisable = all(r.revisable for r in evaluation.refusals)
    titles = {r.title for r in evaluation.refusals}
    title = ("Not yet: please revise it before posting" if revisable
             else titles.pop() if len(titles) == 1 and "" not in titles
             else "Not permitted: please don't post this")
    seen = noticed(evaluation)
    body = (f"{seen}\n\n" if seen else "") + reasons
    fixes = _fixes(pack, evaluation)
    if fixes:
        body += f"\n\n*What to change:* {fixes}"
    body += f"\n\n{cite(pack, evaluation.clauses)}"
    # The consequences are for conduct that was refused: not for a post that only needs
    # work, nor for someone who asked before connecting with a parent.
    if any(r.conduct for r in evaluation.refusals):
        body += f"\n\n{pack.consequences.text}"
    actions: tuple[Action, ...] = ()
    if check_id:
        actions = (Action("start", "Check again", value=f"recheck:{check_id}", style="primary"),)
        if evaluation.disputable:
            actions += (Action("dispute", "That's not what it means", value=check_id,
                               needs_reason=True),)
    # The check stops at the first certain refusal, so later questions were not asked.
    footer = ("Change it and check again." if revisable else
              "I stopped asking once this was clear; other parts of the policy may apply too.")
    if evaluation.disputable:
        footer += (" If I have misread it, say why: your line manager will decide before it"
                   " is posted.")
    return [Card(title=title, body=body, actions=actions, tone="refused",
                 fields=(("Clauses", ", ".join(evaluation.clauses)),), footer=footer)]


def allowed(pack: PolicyPack, evaluation: Evaluation) -> list[Message]:
    seen = noticed(evaluation)
    warnings = "".join(f"• {w.explain} ({', '.join(w.clauses)})\n" for w in evaluation.warnings)
    body = (seen + "\n\n" if seen else "") + (warnings + "\n" if warnings else "")
    body += "Remember:\n" + reminders(pack)
    return [Card(title="Fine to post", body=body, tone="fine",
                 fields=(("Clauses", ", ".join(_reminder_clauses(pack, evaluation))),))]


def policy_answer(answer: PolicyAnswer, question: str) -> Card:
    """A question about the policy answered: the verdict first, then the clauses in plain
    words, then the flow to start. When nothing fits well, says so and offers the flows."""
    offer = [Action("start", label, value=flow) for flow, label in FLOW_BUTTONS]
    if answer.entry is not None:
        entry = answer.entry
        clauses = "\n".join(f"*{c.number} {c.title}*: {c.plain}" for c in answer.clauses)
        wanted = [a for a in offer if a.value == entry.flow]
        actions = tuple(replace(a, style="primary") for a in wanted) or (offer[0],)
        return Card(title=f"“{_shorten(question, 90)}”",
                    body=f"{entry.answer}\n\n{clauses}", actions=actions,
                    fields=(("Clauses", ", ".join(c.number for c in answer.clauses)),),
                    footer="Want me to check a particular post? Paste it after \"can I post"
                           " this:\".")
    if answer.clauses:
        body = ("I don't have a ready answer to that. These are the parts of the policy closest"
                " to it:\n" + "\n".join(f"*{c.number} {c.title}*: {c.plain}"
                                          for c in answer.clauses))
        return Card(title="The closest parts of the policy", body=body, actions=tuple(offer),
                    fields=(("Clauses", ", ".join(c.number for c in answer.clauses)),))
    return Card(title="I couldn't find that in the policy",
                body=f"Nothing in the policy fits “{question[:120]}” well. You can ask it"
                     " another way, or start one of these:", actions=tuple(offer))


def _reminder_clauses(pack: PolicyPack, evaluation: Evaluation) -> list[str]:
    out = [c for w in evaluation.warnings for c in w.clauses]
    out += [c for r in pack.tips for c in r.clauses]
    return list(dict.fromkeys(out))


def chain_text(record: RequestRecord) -> str:
    names = [s["approver_name"] for s in record["steps"]]
    if not record.get("sequential", True):
        return " and ".join(names)
    return " then ".join(names)


def request_created(pack: PolicyPack, record: RequestRecord) -> list[Message]:
    if record["kind"] == "concern":
        title = f"Thank you: report {record['id']} has been passed on"
        body = (f"It has gone to {chain_text(record)}, and only they can see it (8.2).\n"
                + "".join(f"• {w}\n" for w in record.get("warnings", [])))
    else:
        verb = "post" if record["kind"] == "post" else "account"
        title = f"Needs approval: request {record['id']}"
        seen = "\n".join(record.get("findings") or [])
        body = (f"{seen}\n\n" if seen else "") + (
                f"This {verb} needs approval from {chain_text(record)}"
                f"{' (in that order)' if len(record['steps']) > 1 else ''} before "
                f"{'it is posted' if verb == 'post' else 'any work is done on it'}. "
                "I'll message you when it is decided.\n\n"
                + cite(pack, record["clauses"]))
        if record.get("warnings"):
            body += "\n\n" + "".join(f"• {w}\n" for w in record["warnings"])
    return [Card(title=title, body=body, request_id=record["id"],
                 tone="" if record["kind"] == "concern" else "waiting",
                 fields=(("Clauses", ", ".join(record["clauses"])),),
                 actions=(Action("withdraw", "Withdraw", record["id"]),)
                 if record["kind"] != "concern" else ())]


def _summary_fields(record: RequestRecord) -> tuple[tuple[str, str], ...]:
    fields: list[tuple[str, str]] = [
        ("From", f"{record['requester_name']} ({record['school']})"),
        ("Request", f"{record['id']} · {KIND_TITLES.get(record['kind'], record['kind'])}"),
    ]
    fields += [(q, a) for q, a in record["answers"]]
    if record.get("findings"):
        fields.append(("What the bot noticed", "\n".join(record["findings"])))
    if record.get("dispute"):
        fields.append(("Disputed by the requester", f"“{record['dispute']}”"))
    fields.append(("Clauses", ", ".join(record["clauses"])))
    return tuple(fields)


def approver_card(record: RequestRecord, step_index: int) -> Card:
    """The card an approver (or a report's recipient) decides on, showing the current state."""
    step = record["steps"][step_index]
    behalf = step.get("on_behalf_of_name")
    kind_title = KIND_TITLES.get(record["kind"], record["kind"])
    fields = _summary_fields(record)
    if len(record["steps"]) > 1 and record.get("sequential", True):
        fields += (("Approval", f"step {step_index + 1} of {len(record['steps'])}: "
                               f"{chain_text(record)}"),)
    actions: tuple[Action, ...] = ()
    footer = ""
    if record["kind"] == "concern":
        if step["state"] == "pending" and record["status"] == "referred":
            actions = (Action("acknowledge", "I have it in hand", record["id"], style="primary"),)
        elif step["state"] == "acknowledged":
            footer = f"You acknowledged this at {when(step['decided_at'])}."
        else:
            footer = f"Closed: {step_outcome(record, step)}."
        title = f"Concern reported: {record['id']}"
    elif step["state"] == "pending" and record["status"] == "pending":
        actions = (
            Action("approve", "Approve", record["id"], style="primary"),
            Action("reject", "Reject", record["id"], style="danger", needs_reason=True),
        )
        title = f"Approval needed: {record['id']} · {kind_title}"
        if behalf:
            footer = f"You are deciding on behalf of {behalf}."
    else:
        title = f"{kind_title} {record['id']}: {step_outcome(record, step)}"
        if step["state"] in ("approved", "rejected"):
            footer = f"Decided at {when(step['decided_at'])}"
            footer += f": “{step['comment']}”" if step.get("comment") else "."
        elif record.get("decided_at"):
            footer = f"Closed at {when(record['decided_at'])}."
    return Card(title=title, fields=fields, quote=record.get("draft", ""), actions=actions,
                request_id=record["id"], footer=footer)


def reassigned_card(record: RequestRecord, step_index: int, why: str) -> Card:
    """What the approver a step was taken from now sees: the request, no buttons."""
    step = record["steps"][step_index]
    kind_title = KIND_TITLES.get(record["kind"], record["kind"])
    return Card(title=f"{kind_title} {record['id']}: passed to {step['approver_name']}",
                fields=_summary_fields(record), quote=record.get("draft", ""),
                request_id=record["id"], footer=why)


def step_outcome(record: RequestRecord, step: StepRecord) -> str:
    """A step's outcome in a few words: "approved by Daniel Osei", "withdrawn"..."""
    state = step["state"]
    if state in ("approved", "rejected"):
        return f"{state} by {step['approver_name']}"
    if record["status"] == "withdrawn":
        return f"withdrawn by {record['requester_name']}"
    if state == "cancelled":
        return f"closed ({STATUS_WORDS.get(record['status'], record['status'])})"
    return str(STATUS_WORDS.get(record["status"], record["status"]))


def first_words(text: str, limit: int = 60) -> str:
    """The start of a draft, to name the post it is about: “Our Year 4 trip to the…”."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0] + "…"


def requester_outcome(record: RequestRecord) -> Message:
    status = record["status"]
    decider = record.get("decided_by_name") or record.get("decided_by")
    comment = f"\nComment: “{record['comment']}”" if record.get("comment") else ""
    post = record["kind"] == "post"
    # Which post: its first words, shown as typed.
    named, quote = (("your post", first_words(record.get("draft", ""))) if post else
                    (f"the account {record.get('account', {}).get('name', '')}".rstrip(), ""))
    if status == "approved":
        what = ("You may post it now, exactly as approved." if post else
                "The account is now in the register of approved accounts.")
        return Card(title=f"Approved: {record['id']}", tone="fine", request_id=record["id"],
                    body=f"{decider} approved {named} at {when(record['decided_at'])}. "
                         f"{what}{comment}", quote=quote)
    if status == "rejected":
        what = ("Please don't post it as it is; you may change it and check again." if post
                else "Please don't set up or use the account.")
        return Card(title=f"Rejected: {record['id']}", tone="refused", request_id=record["id"],
                    body=f"{decider} rejected {named} at {when(record['decided_at'])}. "
                         f"{what}{comment}", quote=quote)
    return Text(f"{record['id']} is now {STATUS_WORDS.get(status, status)}.")


def step_progress(record: RequestRecord) -> Message:
    done = record["steps"][record["current"] - 1]
    nxt = record["steps"][record["current"]]
    return Text(f"{done['approver_name']} approved {record['id']}; "
                f"it is now with {nxt['approver_name']}.")


def request_list(title: str, records: Sequence[RequestRecord], empty: str,
                 actions_for: str = "") -> list[Message]:
    if not records:
        return [Text(empty)]
    out: list[Message] = [Text(f"*{title}*")]
    for r in records:
        actions: tuple[Action, ...] = ()
        if actions_for == "requester" and r["status"] == "pending":
            actions = (Action("withdraw", "Withdraw", r["id"]),)
        preview = " ".join(str(r.get("draft", "")).split())
        fields: tuple[tuple[str, str], ...] = (("Asked", when(r["created_at"])),
                                               ("With", chain_text(r)))
        if r["status"] in ("approved", "rejected") and r.get("decided_by_name"):
            fields += ((r["status"].capitalize() + " by",
                        f"{r['decided_by_name']}, {when(r.get('decided_at'))}"),)
        if r.get("comment"):
            fields += (("Reason" if r["status"] == "rejected" else "Comment", r["comment"]),)
        out.append(Card(
            title=f"{r['id']} · {KIND_TITLES.get(r['kind'], r['kind'])}: "
                  f"{STATUS_WORDS.get(r['status'], r['status'])}",
            fields=fields,
            quote=preview[:200] + ("…" if len(preview) > 200 else ""),
            actions=actions, request_id=r["id"]))
    return out


MENU_BODY = ("I help you check a social media post against the Trust's Social Media Policy "
             "before you post it, and get the approval it needs. You can also ask me about "
             "the policy in your own words, request a new official account or report a "
             "concern. Say \"cancel\" or \"start again\" at any point.")


def menu(lead: str, current: Question | None) -> list[Message]:
    """What the bot can do, headed by ``lead``, and the question under way, if any."""
    replies: list[Message] = [Card(title=lead or "What would you like to do?", body=MENU_BODY,
                                   actions=MENU)]
    if current is not None:
        replies += [Text("You were in the middle of something; here is where we were:"),
                    current]
    return replies
