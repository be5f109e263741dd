"""Every storage key the product writes, in one place.

Keys are plain text with ``/`` between parts, so ``scan(prefix)`` lists a kind. The names are
those stored since the first release: changing one here would orphan a Trust's data, so a new
name needs a migration (``policybot migrate``).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from conversations.timefmt import iso

# -- requests and their indexes (bot/request_store.py keeps them in step) -----------------
REQUEST = "request/"          # request/<id>: the request record
MINE = "mine/"                # mine/<email>: {"ids": [...]} the requester's latest requests
WAITING = "waiting/"          # waiting/<email>/<id>: a step of <id> waits on <email>
OPEN = "open/"                # open/<id>: <id> is still open (pending or referred)
LEGACY_PENDING = "pending/"   # pending/<email>: {"ids"}; written by older releases, read only
LEGACY_OPEN = "index/open"    # {"ids"}; written by older releases, read only
REQUEST_COUNTER = "meta/counter-request"
ACCOUNT = "account/"          # account/<id>: an approved official account

# -- people --------------------------------------------------------------------------------
PERSON = "person/"            # person/<email>: a directory entry
DIRECTORY_META = "meta/directory"
CONVERSATION = "conversation/"  # conversation/<email>: where the person is in a flow
DELEGATION = "delegation/"    # delegation/<email>: who decides while <email> is away
PRESENCE = "presence/"        # presence/<email>: the platform the person was last seen on

# -- delivery --------------------------------------------------------------------------------
OUTBOX = "outbox/"            # outbox/<time>-<n>-<random>: a message still to deliver
INBOX = "inbox/"              # inbox/<email>/<id>: a message delivered to the local inbox
SEEN = "seen/"                # seen/<hash of event id>: a platform event already applied
# meta/outbox-failure/<platform>-<status>-<code>: the admins were told about this cause of
# failed deliveries (an outbox item that failed for good keeps its outbox/ key, with a
# "failure" member; see bot/delivery_failures.py)
OUTBOX_FAILURE_NOTICE = "meta/outbox-failure/"

# -- records and due work -----------------------------------------------------------------
AUDIT = "audit/"              # audit/<time>-<random>: one entry of the audit log
DIGEST_SENT = "meta/job-digest"
REVIEW_SENT = "meta/job-review"
RETENTION_RUN = "meta/job-retention"
DIRECTORY_SYNC_RUN = "meta/job-directory-sync"  # the day the Entra sync last ran
RETENTION_CURSOR = "meta/retention"
REPORT_SENT = "meta/job-report"  # the scheduled governance report's last slot sent
REPORT_FILE = "reportfile/"   # reportfile/<token>: a report kept until taken once or expired

# -- what each adapter remembers (through the adapter port's notes) --------------------------
# slackmsg/<email>|<key>, slackuser/<email>, teamsref/<email>, teamsmeta/service,
# teamsmsg/<email>|<key>, teamsq/<email>, teamsid/<aad object id>, teamswelcome/<conversation>,
# history/<email> (the playground's transcript).
ADAPTER_NAMESPACES = frozenset({
    "slackmsg", "slackuser", "teamsref", "teamsmeta", "teamsmsg", "teamsq", "teamsid",
    "teamswelcome", "history",
})
PLAYGROUND_HISTORY = "history/"


def request(request_id: str) -> str:
    return REQUEST + request_id


def mine(email: str) -> str:
    return MINE + email


def waiting(email: str, request_id: str = "") -> str:
    """The marker of a step of ``request_id`` waiting on ``email``; without an id, the prefix
    of all of them."""
    return f"{WAITING}{email.lower()}/{request_id}"


def legacy_pending(email: str) -> str:
    return LEGACY_PENDING + email


def open_marker(request_id: str) -> str:
    return OPEN + request_id


def account(account_id: str) -> str:
    return ACCOUNT + account_id


def person(email: str) -> str:
    return PERSON + email


def conversation(email: str) -> str:
    return CONVERSATION + email.lower()


def delegation(email: str) -> str:
    return DELEGATION + email


def presence(email: str) -> str:
    return PRESENCE + email.lower()


def inbox(email: str, ident: str = "") -> str:
    return f"{INBOX}{email.lower()}/{ident}"


def outbox_item(now: datetime, n: int) -> str:
    return f"{OUTBOX}{iso(now)}-{n:03d}-{uuid.uuid4().hex[:8]}"


def outbox_failure_notice(cause: str) -> str:
    return OUTBOX_FAILURE_NOTICE + cause


def seen(event_id: str) -> str:
    # Hashed: a platform's event id may be long or contain anything.
    return SEEN + hashlib.sha256(event_id.encode()).hexdigest()[:32]


def audit_entry(now: datetime) -> str:
    return f"{AUDIT}{iso(now)}-{uuid.uuid4().hex[:8]}"


def audit_month(month: str) -> str:
    """The prefix of a month's audit entries ("2026-11")."""
    return AUDIT + month


def report_file(token: str) -> str:
    return REPORT_FILE + token


def adapter_note(namespace: str, name: str) -> str:
    """What an adapter remembers; ``namespace`` is one of :data:`ADAPTER_NAMESPACES`."""
    if namespace not in ADAPTER_NAMESPACES:
        raise ValueError(f"not an adapter namespace: {namespace!r}")
    return f"{namespace}/{name}"
