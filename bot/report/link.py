"""``GET /reports/<token>`` on the bot's own server: a report file, handed over once.

After that, or once the link has expired, the answer is 410 Gone with a line that says what
to do. The page is served so that nothing in it can run or reach anywhere.
"""

from __future__ import annotations

from aiohttp import web

from bot.health import APPLICATION
from bot.report.files import PATH, take

ROUTE = PATH + "{token}"
GONE_PAGE = ("<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>Report "
             "link used</title></head><body><h1>This link has been used or has expired</h1>"
             "<p>A report link works once, for a day. Ask the bot for the report again "
             "(say \"report\").</p></body></html>")
# The report is one page with nothing to load: no script runs, nothing leaves it.
HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                      "img-src data:; base-uri 'none'; form-action 'none'",
           "Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


async def serve(request: web.Request) -> web.StreamResponse:
    """``GET /reports/<token>``: the report, once."""
    application = request.app[APPLICATION]
    taken = await take(application.storage, request.match_info["token"],
                       application.bot.clock())
    if taken is None:
        return web.Response(status=410, text=GONE_PAGE, content_type="text/html",
                            charset="utf-8", headers={"Cache-Control": "no-store"})
    name, content = taken
    return web.Response(body=content, content_type="text/html", charset="utf-8",
                        headers={**HEADERS,
                                 "Content-Disposition": f'inline; filename="{name}"'})
