"""``policybot outbox``: the deliveries that failed for good, and retrying them.

``policybot outbox`` (or ``outbox list``) lists every message a platform refused for good:
its id, who it was for, the platform, the HTTP status, the service's error code and what it
means, and what the message was (a card's title, never a draft). ``policybot outbox retry ID
[ID ...]`` or ``--all`` makes them due again and delivers them at once through the platforms
this process serves; what it cannot deliver here waits for the server, which sends it within
seconds.
"""

from __future__ import annotations

import sys

from bot import delivery_failures, keys
from bot.app import Application, build_application
from bot.config import Config


async def outbox(config: Config, action: str, idents: list[str], every: bool) -> int:
    application = await build_application(config, load_sample=False)
    try:
        if action == "retry":
            return await retry(application, config, idents, every)
        return await show(application)
    finally:
        await application.close()


async def show(application: Application) -> int:
    failed = await delivery_failures.failed(application.storage)
    waiting = await delivery_failures.waiting(application.storage)
    print(f"Failed deliveries: {len(failed)}; messages still to deliver: {waiting}")
    for item in failed:
        failure = item.failure
        print(f"\n{item.ident}")
        print(f"  to:      {item.to} on {failure.channel}")
        print(f"  message: {item.summary} (queued {item.created_at[:16].replace('T', ' ')})")
        print(f"  failed:  {failure.at[:16].replace('T', ' ')} UTC, {failure.describe()}")
    if failed:
        print("\nOnce the cause is fixed: policybot outbox retry ID ... (or --all)")
    return 0


async def retry(application: Application, config: Config, idents: list[str],
                every: bool) -> int:
    if not every and not idents:
        print("policybot: outbox retry needs the ids of failed deliveries, or --all",
              file=sys.stderr)
        return 2
    retried, unknown = await delivery_failures.retry(application.storage,
                                                     None if every else idents)
    for ident in unknown:
        print(f"policybot: no failed delivery {ident} (delivered, retried or never failed)",
              file=sys.stderr)
    if not retried:
        print("Nothing to retry.")
        return 1 if unknown else 0
    from policybot_app.web_server import build_web_app

    # The same channels as the server's: what this process cannot reach waits for the server.
    await build_web_app(application, config, playground=False, teams_emulator=False)
    await application.flush()
    delivered, again, waiting = [], [], []
    for ident in retried:
        record = await application.storage.get(keys.OUTBOX + ident)
        if record is None:
            delivered.append(ident)
        elif record.value.get(delivery_failures.FAILURE):
            again.append(ident)
        else:
            waiting.append(ident)
    print(f"Retried {len(retried)}: {len(delivered)} delivered, {len(again)} failed again, "
          f"{len(waiting)} left for the server to deliver.")
    for ident in again:
        print(f"  failed again: {ident} (policybot outbox says why)")
    return 1 if unknown or again else 0
