"""Which of Slack's Web API errors are for good, and what they mean in plain words.

Slack answers a call it refuses with ``{"ok": false, "error": CODE}`` (HTTP 200 for most).
The codes below are answered the same way however often the message is sent: the person's
account is deactivated or gone, the conversation is gone or archived, the message is one Slack
cannot take, or the app's token no longer works (uninstalled, revoked, a scope missing). The
outbox marks such a message failed (:class:`bot.port.DeliveryRefused`) and tells the admins;
after the cause is mended, ``policybot outbox retry`` sends it again. Anything else
(``ratelimited``, ``internal_error``, ``fatal_error``, a network failure) is transient, and the
outbox retries it after a pause.
"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bot.port import DeliveryRefused

_APP = "the Slack app's token no longer works (uninstalled, revoked or a scope missing)"
_FAULT = "Slack could not take the message (a fault in the bot: please report it)"
REASONS = {
    "user_disabled": "the person's Slack account is deactivated",
    "user_not_found": "the person's Slack account no longer exists",
    "user_not_visible": "Slack does not let the bot see the person",
    "cannot_dm_bot": "the person's Slack id is a bot, not a person",
    "channel_not_found": "the conversation with the person no longer exists",
    "is_archived": "the conversation with the person is archived",
    "not_in_channel": "the bot is not in the conversation",
    "restricted_action": "a Slack administrator does not let the bot post there",
    "msg_too_long": "the message is too long for Slack",
    "msg_blocks_too_long": "the message is too long for Slack",
    "invalid_blocks": _FAULT,
    "invalid_blocks_format": _FAULT,
    "no_text": _FAULT,
    "invalid_arguments": _FAULT,
    "invalid_auth": _APP,
    "not_authed": _APP,
    "account_inactive": _APP,
    "token_revoked": _APP,
    "token_expired": _APP,
    "missing_scope": _APP,
    "no_permission": _APP,
    "team_access_not_granted": _APP,
}


def refusal_of(exc: SlackApiError) -> DeliveryRefused | None:
    """The refusal for good that ``exc`` is, or None when a retry may succeed."""
    code = str(exc.response.get("error") or "")
    if code not in REASONS:
        return None
    return DeliveryRefused(int(exc.response.status_code), code, REASONS[code])
