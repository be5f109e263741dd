"""A delivery that cannot succeed stops and is seen: marked failed with the platform's status
and error code, the admins told once per cause, listed and retried by hand; transient
failures keep their back-off, and nothing is marked delivered that was not."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot import delivery_failures
from bot.app import Application
from bot.tx import Tx
from conversations.messages import Outbound, Text
from testing.chat import Chat
from testing.clock import Clock
from testing.outbox import TOO_BIG, UNINSTALLED, ask_for_approval, flush_all, setup
from testing.staff import ADMIN, DEPUTY, HEAD


async def queued(app: Application) -> list[dict[str, Any]]:
    return [r.value for _, r in await app.storage.scan("outbox/")]


async def admin_notices(app: Application) -> list[str]:
    return [m.text for _, m in await app.inbox.messages(ADMIN) if isinstance(m, Text)]


async def test_a_refused_message_is_marked_failed_and_never_retried_by_itself(
    app: Application, clock: Clock
) -> None:
    platform = await setup(app, DEPUTY)
    platform.refuse[DEPUTY] = UNINSTALLED
    await ask_for_approval(app)  # the harness flushes once: Teams refuses the card
    [item] = [v for v in await queued(app) if v["to"] == DEPUTY]
    assert item["failure"]["status"] == 403
    assert item["failure"]["code"] == "BotNotInConversationRoster"
    assert item["failure"]["channel"] == "teams" and not item["claimed_at"]
    assert await flush_all(app) == 1  # the notice to the admin, in the local inbox
    for _ in range(5):
        clock.now += timedelta(hours=6)
        assert await app.flush() == 0
    assert platform.tried.count(DEPUTY) == 1  # tried once, never again by itself
    assert [to for to, _, _ in platform.delivered] == []  # nothing delivered
    assert await Chat(app, DEPUTY).inbox() == []  # and not moved to an inbox he never reads
    [failed] = await delivery_failures.failed(app.storage)
    assert failed.to == DEPUTY and failed.summary.startswith("Approval needed: SM-0001")
    assert await delivery_failures.waiting(app.storage) == 0


async def test_the_admins_are_told_once_per_cause_not_per_message(
    app: Application, clock: Clock
) -> None:
    platform = await setup(app, DEPUTY, HEAD)
    platform.refuse[DEPUTY] = UNINSTALLED
    await ask_for_approval(app)
    await flush_all(app)
    [notice] = await admin_notices(app)
    assert "403 BotNotInConversationRoster" in notice and "policybot outbox" in notice
    assert "Sophie" not in notice and "library" not in notice  # nobody named, nothing quoted
    # Two more messages refused for the same cause: no more notices.
    await _stage(app, DEPUTY, 2)
    clock.now += timedelta(seconds=1)
    await flush_all(app)
    assert len(await delivery_failures.failed(app.storage)) == 3
    assert len(await admin_notices(app)) == 1
    # Another cause is another notice.
    platform.refuse[HEAD] = TOO_BIG
    await _stage(app, HEAD, 1)
    await flush_all(app)
    notices = await admin_notices(app)
    assert len(notices) == 2 and "413 MessageSizeTooBig" in notices[1]


async def _stage(app: Application, email: str, count: int) -> None:
    tx = Tx(app.storage)
    app.outbox.stage(tx, [Outbound(email, Text(f"message {n}")) for n in range(count)],
                     app.bot.clock())
    await tx.commit()


async def test_a_transient_failure_keeps_its_back_off_and_is_never_marked_failed(
    app: Application, clock: Clock
) -> None:
    platform = await setup(app, DEPUTY)
    platform.transient = 3  # a throttle, an outage, a timeout: the first three tries fail
    await ask_for_approval(app)  # the first
    for _ in range(2):
        clock.now += timedelta(minutes=1)
        await app.flush()
    [item] = await queued(app)
    assert "failure" not in item and item["attempts"] == 3 and item["retry_at"]
    assert await delivery_failures.failed(app.storage) == []
    assert await admin_notices(app) == []
    clock.now += timedelta(minutes=1)
    assert await app.flush() == 1
    assert await queued(app) == []


async def test_retrying_sends_it_again_and_a_recurrence_is_told_again(
    app: Application, clock: Clock
) -> None:
    platform = await setup(app, DEPUTY)
    platform.refuse[DEPUTY] = UNINSTALLED
    await ask_for_approval(app)
    await flush_all(app)
    [failed] = await delivery_failures.failed(app.storage)
    assert await delivery_failures.retry(app.storage, ["no-such-item"]) == ([], ["no-such-item"])
    # Retried while the cause remains: it fails again, and the admins hear of it again.
    assert await delivery_failures.retry(app.storage, [failed.ident]) == ([failed.ident], [])
    await flush_all(app)
    assert platform.tried.count(DEPUTY) == 2
    assert len(await admin_notices(app)) == 2
    # The app is installed again: retrying them all delivers the card.
    del platform.refuse[DEPUTY]
    retried, _ = await delivery_failures.retry(app.storage, None)
    assert retried == [failed.ident]
    assert await flush_all(app) == 1
    assert [(to, key) for to, _, key in platform.delivered] == [(DEPUTY, "card:SM-0001:0")]
    assert await delivery_failures.failed(app.storage) == []


async def test_a_refusal_does_not_hold_back_the_persons_later_messages(
    app: Application, clock: Clock
) -> None:
    platform = await setup(app, DEPUTY)
    platform.refuse_text = "too big"  # only that message is refused
    tx = Tx(app.storage)
    app.outbox.stage(tx, [Outbound(DEPUTY, Text("too big")), Outbound(DEPUTY, Text("next"))],
                     clock.now)
    await tx.commit()
    assert await app.flush() == 1  # in one flush: the first refused, the next delivered
    assert [m.text for _, m, _ in platform.delivered if isinstance(m, Text)] == ["next"]
    assert len(await delivery_failures.failed(app.storage)) == 1


async def test_a_failed_card_replaced_by_a_newer_version_is_dropped(
    app: Application, clock: Clock
) -> None:
    platform = await setup(app, DEPUTY)
    platform.refuse[DEPUTY] = UNINSTALLED
    await ask_for_approval(app)
    await flush_all(app)
    [failed] = await delivery_failures.failed(app.storage)
    del platform.refuse[DEPUTY]
    # A newer version of the same card (a reminder, say) is delivered under the same key.
    card = (await queued(app))[0]
    tx = Tx(app.storage)
    clock.now += timedelta(seconds=1)
    app.outbox.stage(tx, [Outbound(DEPUTY, Text("newer"), key=card["key"])], clock.now)
    await tx.commit()
    assert await app.flush() == 1
    assert await delivery_failures.failed(app.storage) == []  # retrying it could only regress
    assert await queued(app) == []
    assert failed.key == card["key"]
