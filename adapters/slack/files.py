"""A file a card offers (the governance report), uploaded into the person's DM with Slack's
current upload flow: files.getUploadURLExternal, the bytes posted to the URL it returns, then
files.completeUploadExternal to share it in the conversation (slack_sdk's files_upload_v2
makes those three calls). The bot keeps the file until the upload is complete."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.port import ApplicationPort
from conversations.messages import FileOffer

GONE = "That report is no longer kept (a report file lasts a day). Say \"report\" for a new one."


async def upload(client: AsyncWebClient, port: ApplicationPort, conversation: str,
                 offer: FileOffer) -> None:
    found = await port.file(offer.token)
    if found is None:
        await client.chat_postMessage(channel=conversation, text=GONE)
        return
    name, content = found
    await client.files_upload_v2(channel=conversation, filename=name, content=content,
                                 title=offer.title)
    await port.file_taken(offer.token)
