"""What the Teams adapter remembers, as plain JSON in the project's storage (never pickled).

  teamsref/<email>          the conversation reference of the person's personal chat with the
                            bot (saved on install and on every message; used for proactive
                            messages)
  teamsmeta/service         the service URL, tenant and bot account last seen in an activity
                            (used to open a 1:1 chat with someone who never wrote to the bot)
  teamsmsg/<email>|<key>    activity id of a keyed message (an approver's card), to update it
  teamsq/<email>            the last question card sent: its token, prompt and activity id, so
                            a typed answer can replace it with the answer
  teamsid/<aadObjectId>     the email Teams gave for that user (the identity cache)
"""

from __future__ import annotations

from dataclasses import dataclass

from microsoft_agents.activity import Activity, ConversationReference

from bot.port import AdapterNotes


@dataclass(frozen=True)
class ServiceInfo:
    service_url: str
    tenant_id: str
    bot_id: str
    bot_name: str


@dataclass(frozen=True)
class SentMessage:
    activity_id: str
    conversation_id: str


class TeamsMemory:
    def __init__(self, notes: AdapterNotes) -> None:
        self.notes = notes

    # -- conversation references ---------------------------------------------------------

    async def save_reference(self, email: str, activity: Activity) -> None:
        """Remember where to reach ``email``: the chat this activity came from."""
        reference = activity.get_conversation_reference()
        # The activity id changes with every message; leaving it out saves a write per message.
        reference.activity_id = None
        reference.locale = None
        await self.save_reference_object(email, reference)

    async def save_reference_object(self, email: str, reference: ConversationReference) -> None:
        await self.notes.put("teamsref", email.lower(), {"reference": reference.model_dump(
            mode="json", by_alias=True, exclude_none=True)})

    async def reference(self, email: str) -> ConversationReference | None:
        record = await self.notes.get("teamsref", email.lower())
        if record is None:
            return None
        # References saved by earlier releases (botbuilder's camelCase JSON) read the same.
        return ConversationReference.model_validate(record["reference"])

    # -- the service the bot is reached through ------------------------------------------

    async def save_service(self, activity: Activity) -> None:
        conversation = activity.conversation
        tenant = (conversation.tenant_id if conversation else None) or _tenant_of(activity)
        bot = activity.recipient
        await self.notes.put("teamsmeta", "service", {
            "service_url": activity.service_url or "",
            "tenant_id": tenant or "",
            "bot_id": (bot.id if bot else "") or "",
            "bot_name": (bot.name if bot else "") or "",
        })

    async def service(self) -> ServiceInfo | None:
        v = await self.notes.get("teamsmeta", "service")
        if v is None:
            return None
        return ServiceInfo(v["service_url"], v["tenant_id"], v["bot_id"], v["bot_name"])

    # -- messages sent -------------------------------------------------------------------

    async def save_sent(self, email: str, key: str, sent: SentMessage) -> None:
        await self.notes.put("teamsmsg", f"{email.lower()}|{key}", {
            "activity_id": sent.activity_id, "conversation_id": sent.conversation_id})

    async def sent(self, email: str, key: str) -> SentMessage | None:
        record = await self.notes.get("teamsmsg", f"{email.lower()}|{key}")
        if record is None:
            return None
        return SentMessage(record["activity_id"], record["conversation_id"])

    async def save_question(self, email: str, token: str, prompt: str, sent: SentMessage) -> None:
        await self.notes.put("teamsq", email.lower(), {
            "token": token, "prompt": prompt, "activity_id": sent.activity_id,
            "conversation_id": sent.conversation_id})

    async def question(self, email: str) -> tuple[str, str, SentMessage] | None:
        """(token, prompt, where it was sent) of the last question card sent to ``email``."""
        v = await self.notes.get("teamsq", email.lower())
        if v is None:
            return None
        return v["token"], v["prompt"], SentMessage(v["activity_id"], v["conversation_id"])

    # -- identity cache ------------------------------------------------------------------

    async def cached_email(self, aad_object_id: str) -> str:
        record = await self.notes.get("teamsid", aad_object_id)
        return str(record["email"]) if record else ""

    async def cache_email(self, aad_object_id: str, email: str) -> None:
        await self.notes.put("teamsid", aad_object_id, {"email": email.lower()})

    # -- the welcome, once per chat --------------------------------------------------------

    async def first_welcome(self, conversation_id: str) -> bool:
        """True the first time this is asked for a chat (on any replica), False after."""
        return await self.notes.put_new("teamswelcome", conversation_id, {"welcomed": True})

    async def forget_welcome(self, conversation_id: str) -> None:
        """The bot was removed: a new install welcomes again."""
        await self.notes.delete("teamswelcome", conversation_id)


def _tenant_of(activity: Activity) -> str:
    data = activity.channel_data
    if isinstance(data, dict):
        tenant = data.get("tenant")
        if isinstance(tenant, dict) and isinstance(tenant.get("id"), str):
            return str(tenant["id"])
    return ""
