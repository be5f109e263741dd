"""/healthz, the error middleware and the playground's JSON API, in-process on a real server."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import Application
from bot.health import product_version
from policybot_app.web_server import build_web_app
from testing.staff import DEPUTY, HEAD


async def test_healthz_reports_storage_adapters_and_version(playground_client: TestClient):
    response = await playground_client.get("/healthz")
    assert response.status == 200
    body = await response.json()
    assert body == {"status": "ok", "storage": "reachable", "adapters": ["playground"],
                    "version": product_version()}
    assert product_version() not in ("", "unknown")
    assert response.headers["X-Request-Id"]


async def test_healthz_is_503_while_the_storage_file_is_corrupt(
    tmp_path: Path, application: Application, playground_client: TestClient
):
    main_file = tmp_path / "db" / "policybot.json"
    good = main_file.read_bytes()
    main_file.write_text('{"meta": {"1": ', encoding="utf-8")  # truncated by hand
    response = await playground_client.get("/healthz")
    assert response.status == 503
    body = await response.json()
    assert body["status"] == "unavailable" and body["storage"] == "unreachable"
    assert str(tmp_path) not in await response.text()  # no paths or details to clients

    main_file.write_bytes(good)
    assert (await playground_client.get("/healthz")).status == 200


async def test_healthz_is_503_when_the_storage_directory_is_gone(
    tmp_path: Path, playground_client: TestClient
):
    db_dir = tmp_path / "db"
    db_dir.rename(tmp_path / "moved")
    response = await playground_client.get("/healthz")
    assert response.status == 503


async def test_an_unexpected_error_is_a_plain_500_without_details(application: Application):
    web_app = await build_web_app(application, application.config, playground=False,
                                  teams_emulator=False)

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("internal detail: /srv/secret/path")

    web_app.router.add_get("/broken", broken)
    async with TestClient(TestServer(web_app, host="127.0.0.1")) as client:
        response = await client.get("/broken")
        assert response.status == 500
        text = await response.text()
        assert "internal detail" not in text and "Traceback" not in text
        body = await response.json()
        assert body["request_id"] == response.headers["X-Request-Id"]


async def test_without_the_playground_flag_nothing_is_served_at_the_root(
    application: Application,
):
    web_app = await build_web_app(application, application.config, playground=False,
                                  teams_emulator=False)
    async with TestClient(TestServer(web_app, host="127.0.0.1")) as client:
        assert (await client.get("/")).status == 404
        assert (await client.get("/playground/api/directory")).status == 404
        assert (await client.get("/healthz")).status == 200


async def test_directory_lists_people_with_school_and_roles(playground_client: TestClient):
    body = await (await playground_client.get("/playground/api/directory")).json()
    people = {p["email"]: p for p in body["people"]}
    assert people[HEAD] == {"email": HEAD, "name": "Joanne Clarke",
                            "school": "Oakfield Primary", "roles": ["headteacher"]}
    assert DEPUTY in people


async def test_the_page_and_its_files_are_served_with_a_strict_policy(
    playground_client: TestClient,
):
    page = await playground_client.get("/")
    assert page.status == 200
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    html = await page.text()
    for asset in ("/playground/static/app.js", "/playground/static/style.css"):
        assert asset in html
        assert (await playground_client.get(asset)).status == 200


async def test_a_turn_answers_and_delivers_to_the_other_persons_inbox(
    playground_client: TestClient,
):
    async def turn(**payload: object) -> dict:
        response = await playground_client.post("/playground/api/turn",
                                                json={"as": DEPUTY, **payload})
        assert response.status == 200
        return await response.json()

    first = await turn(text="check a post")
    question = first["replies"][-1]
    assert question["type"] == "question" and question["free_text"]
    reply = await turn(text="Sports day relay photos from our year 5 team")
    for values in (["personal"], ["consent"]):
        question = reply["replies"][-1]
        reply = await turn(choice={"token": question["token"], "values": values})
        assert reply["answered"], reply
    assert any(m.get("title", "").startswith("Needs approval") for m in reply["replies"])

    inbox = await (await playground_client.get("/playground/api/inbox",
                                               params={"as": HEAD})).json()
    card = inbox["messages"][-1]["message"]
    assert card["title"].startswith("Approval needed")
    approve = next(a for a in card["actions"] if a["name"] == "approve")

    pressed = await playground_client.post("/playground/api/turn", json={
        "as": HEAD, "press": {"name": "approve", "request_id": approve["request_id"]}})
    body = await pressed.json()
    assert body["replace"]["actions"] == []  # the card now shows the decision
    mine = await (await playground_client.get("/playground/api/requests",
                                              params={"as": DEPUTY})).json()
    assert any("approved" in m.get("title", "") for m in mine["replies"])


async def test_bad_turns_get_a_clear_400_and_change_nothing(
    tmp_path: Path, playground_client: TestClient
):
    before = sorted(p.name for p in (tmp_path / "db").iterdir())
    cases = [
        ({"text": "hello"}, "'as'"),
        ({"as": DEPUTY}, "exactly one"),
        ({"as": DEPUTY, "text": "a", "press": {"name": "approve"}}, "exactly one"),
        ({"as": DEPUTY, "press": {"name": "delete_everything"}}, "press.name"),
        ({"as": DEPUTY, "choice": {"token": 3}}, "choice.token"),
        ({"as": DEPUTY, "choice": {"token": "q1", "values": "personal"}}, "choice.values"),
        ({"as": DEPUTY, "text": "x" * 20_001}, "too long"),
        ([1, 2], "JSON object"),
    ]
    for payload, expected in cases:
        response = await playground_client.post("/playground/api/turn", json=payload)
        assert response.status == 400, payload
        assert expected in (await response.json())["error"]
    form = await playground_client.post("/playground/api/turn", data={"as": DEPUTY})
    assert form.status == 415  # a form posted by another web page is not a turn
    broken = await playground_client.post("/playground/api/turn", data="{",
                                          headers={"Content-Type": "application/json"})
    assert broken.status == 400
    assert (await playground_client.get("/playground/api/inbox")).status == 400
    assert sorted(p.name for p in (tmp_path / "db").iterdir()) == before


async def test_someone_not_in_the_directory_is_told_who_to_contact(
    playground_client: TestClient,
):
    response = await playground_client.post("/playground/api/turn",
                                            json={"as": "stranger@example.org", "text": "hi"})
    body = await response.json()
    assert response.status == 200
    assert "not set up" in body["replies"][0]["text"]


async def test_a_foreign_host_header_is_refused(playground_client: TestClient):
    # A web page that rebinds its own name to 127.0.0.1 sends its name as Host.
    for path in ("/", "/playground/api/directory"):
        response = await playground_client.get(path, headers={"Host": "evil.example:3978"})
        assert response.status == 403
    ok = await playground_client.get("/playground/api/directory",
                                     headers={"Host": "localhost:3978"})
    assert ok.status == 200
