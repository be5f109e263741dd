"""A fake Microsoft Entra ID and Graph on a free loopback port, over HTTPS.

It serves what the sync uses, shaped as the real services answer:

- the tenant's OpenID configuration and token endpoint (for MSAL, which only talks https),
  refusing as the identity platform does: ``error``, an ``error_description`` starting with
  the AADSTS code and ending "Trace ID: ... Correlation ID: ... Timestamp: ...", and the same
  ids as ``trace_id``, ``correlation_id``, ``error_codes`` and ``timestamp``;
- tokens for the Graph of the cloud it is reached by (``national_clouds``);
- ``/groups/{id}/members``: direct members, users and the other directory objects a group
  can hold (nested groups, devices, contacts) each with its ``@odata.type``; devices and
  contacts with their type and id only, other selected properties null, as Graph answers an
  app that may not read them;
- ``/groups/{id}/transitiveMembers/microsoft.graph.user``: every user inside, through nested
  groups, once each, without ``@odata.type`` (a cast listing); an advanced query, refused
  without ``ConsistencyLevel: eventual`` and ``$count=true``;
- ``/users/{id}/manager`` (404 when someone has no manager);
- pages joined by absolute ``@odata.nextLink`` URLs; ``$select``; ``$top`` up to 999;
  errors with Graph's body (``error.code``, ``error.message``, ``error.innerError``).

Tests can make one request answer 429 with ``Retry-After``, make the current token expire
after some requests (401), and forbid a path (403), as a long sync meets all three.
"""

from __future__ import annotations

import datetime as dt
import itertools
import ssl
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from aiohttp import web
from cryptography import x509

from testing.entra.national_clouds import audience_of, bare_host, graph_hosts_for

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
CLIENT_SECRET = "not-a-real-secret"
USER, GROUP = "#microsoft.graph.user", "#microsoft.graph.group"
DEVICE, CONTACT = "#microsoft.graph.device", "#microsoft.graph.orgContact"
MAX_TOP = 999


@dataclass
class FakeGraph:
    cert: Path
    page_size: int = 3
    client_certificate: Path | None = None  # the app registration's uploaded certificate
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> Graph user
    managers: dict[str, str] = field(default_factory=dict)  # user id -> manager id
    groups: dict[str, list[str]] = field(default_factory=dict)  # group id -> member ids
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)  # groups, devices, ...
    token_requests: int = 0
    token_scopes: list[str] = field(default_factory=list)  # scope of each token request
    login_hosts: list[str] = field(default_factory=list)  # where each token was asked
    requests: list[str] = field(default_factory=list)  # paths of Graph requests, in order
    graph_hosts: list[str] = field(default_factory=list)  # the host of each, in order
    refusals: list[dict[str, Any]] = field(default_factory=list)  # identity error bodies
    _valid_tokens: dict[str, str] = field(default_factory=dict)  # token -> its Graph host
    _throttle: list[tuple[str, int]] = field(default_factory=list)
    _expire_after: int | None = None
    _forbidden: list[str] = field(default_factory=list)
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    port: int = 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._openid)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_get("/v1.0/groups/{group}/members", self._members)
        app.router.add_get("/v1.0/groups/{group}/transitiveMembers/microsoft.graph.user",
                           self._transitive_users)
        app.router.add_get("/v1.0/users/{user}/manager", self._manager)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.cert.with_suffix(".key"))
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        self.port = int(self._runner.addresses[0][1])  # port 0: the one the system picked

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def graph_url(self) -> str:
        return f"{self.base}/v1.0"

    # -- test controls ------------------------------------------------------------------------

    def throttle_next(self, path_part: str, retry_after: int = 7) -> None:
        """The next Graph request whose path contains ``path_part`` answers 429 once."""
        self._throttle.append((path_part, retry_after))

    def forbid(self, path_part: str) -> None:
        """Requests whose path contains ``path_part`` answer 403, as without the permission."""
        self._forbidden.append(path_part)

    def expire_token_after(self, requests: int) -> None:
        """Every token issued so far stops working after this many more Graph requests."""
        self._expire_after = requests

    def add_user(self, user_id: str, name: str, email: str | None, company: str, *,
                 upn: str = "", enabled: bool = True, guest: bool = False,
                 manager: str = "", groups: tuple[str, ...] = ()) -> None:
        self.users[user_id] = {
            "id": user_id, "displayName": name, "mail": email,
            "userPrincipalName": upn or email or f"{user_id}@tenant.example",
            "accountEnabled": enabled, "userType": "Guest" if guest else "Member",
            "companyName": company}
        if manager:
            self.managers[user_id] = manager
        for group in groups:
            self.groups.setdefault(group, []).append(user_id)

    def add_group(self, group_id: str, name: str, *, members: tuple[str, ...] = (),
                  inside: tuple[str, ...] = ()) -> None:
        """A group holding ``members``, itself a member of each group in ``inside``."""
        self.objects[group_id] = {"@odata.type": GROUP, "id": group_id, "displayName": name,
                                  "mail": None}
        self.groups.setdefault(group_id, []).extend(members)
        for parent in inside:
            self.groups.setdefault(parent, []).append(group_id)

    def add_member_object(self, odata_type: str, object_id: str, name: str, *,
                          inside: tuple[str, ...]) -> None:
        """A device or an organisational contact, a member of each group in ``inside``."""
        self.objects[object_id] = {"@odata.type": odata_type, "id": object_id,
                                   "displayName": name}
        for parent in inside:
            self.groups.setdefault(parent, []).append(object_id)

    def leave_group(self, group: str, user_id: str) -> None:
        self.groups[group].remove(user_id)

    # -- the identity platform ----------------------------------------------------------------

    async def _openid(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        base = f"https://{request.host}"  # as reached: 127.0.0.1:port or a cloud's name
        return web.json_response({
            "issuer": f"{base}/{tenant}/v2.0",
            "authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/{tenant}/oauth2/v2.0/token"})

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        self.login_hosts.append(bare_host(request.host))
        if (request.match_info["tenant"] != TENANT or form.get("client_id") != CLIENT_ID
                or not self._credential_ok(form, str(request.url))
                or form.get("grant_type") != "client_credentials"):
            return self._identity_error(request, 401, "invalid_client", 7000215, (
                "Invalid client secret provided. Ensure the secret being sent in the request "
                "is the client secret value, not the client secret ID, for a secret added to "
                f"app '{CLIENT_ID}'."))
        scope = str(form.get("scope") or "")
        self.token_scopes.append(scope)
        audience = next((h for h in graph_hosts_for(request.host)
                         if scope.split() == [f"https://{h}/.default"]), None)
        if audience is None:
            resource = scope.split()[0].removesuffix("/.default") if scope.split() else ""
            return self._identity_error(request, 400, "invalid_resource", 500011, (
                f"The resource principal named {resource} was not found in the tenant named "
                f"{TENANT}. This can happen if the application has not been installed by the "
                "administrator of the tenant or consented to by any user in the tenant. You "
                "might have sent your authentication request to the wrong tenant."))
        self.token_requests += 1
        token = f"token-{next(self._counter)}"
        self._valid_tokens[token] = audience
        return web.json_response({"token_type": "Bearer", "expires_in": 3599,
                                  "access_token": token})

    def _identity_error(self, request: web.Request, status: int, error: str, code: int,
                        sentence: str) -> web.Response:
        trace = str(uuid.uuid4())
        correlation = request.headers.get("client-request-id") or str(uuid.uuid4())
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        body = {"error": error,
                "error_description": (f"AADSTS{code}: {sentence} Trace ID: {trace} "
                                      f"Correlation ID: {correlation} Timestamp: {stamp}"),
                "error_codes": [code], "timestamp": stamp, "trace_id": trace,
                "correlation_id": correlation,
                "error_uri": f"https://{request.host}/error?code={code}"}
        self.refusals.append(body)
        return web.json_response(body, status=status)

    def _credential_ok(self, form: Any, token_url: str) -> bool:
        """A client secret, or a client assertion signed with the app's certificate key."""
        assertion = form.get("client_assertion")
        if assertion is None:
            return bool(form.get("client_secret") == CLIENT_SECRET)
        if self.client_certificate is None:
            return False
        cert = x509.load_pem_x509_certificate(self.client_certificate.read_bytes())
        try:
            claims = jwt.decode(str(assertion), cert.public_key(),  # type: ignore[arg-type]
                                algorithms=["RS256", "PS256"], audience=token_url,
                                issuer=CLIENT_ID)
        except jwt.InvalidTokenError:
            return False
        return bool(claims.get("sub") == CLIENT_ID)

    # -- Graph --------------------------------------------------------------------------------

    def _refusal(self, request: web.Request) -> web.Response | None:
        self.requests.append(request.path)
        self.graph_hosts.append(bare_host(request.host))
        if self._expire_after is not None:
            if self._expire_after == 0:
                self._valid_tokens.clear()
                self._expire_after = None
            else:
                self._expire_after -= 1
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self._valid_tokens:
            return _graph_error(401, "InvalidAuthenticationToken", "Lifetime validation failed")
        if self._valid_tokens[token] != audience_of(request.host):
            return _graph_error(401, "InvalidAuthenticationToken",
                                "Access token validation failure. Invalid audience.")
        if any(part in request.path for part in self._forbidden):
            return _graph_error(403, "Authorization_RequestDenied",
                                "Insufficient privileges to complete the operation.")
        for i, (part, seconds) in enumerate(self._throttle):
            if part in request.path:
                del self._throttle[i]
                return _graph_error(429, "TooManyRequests", "Too many requests.",
                                    {"Retry-After": str(seconds)})
        top = request.query.get("$top", "1")
        if not top.isdigit() or not 1 <= int(top) <= MAX_TOP:
            return _graph_error(400, "Request_BadRequest", f"Invalid page size specified: "
                                f"'{top}'. Must be between 1 and {MAX_TOP} inclusive.")
        return None

    def _user(self, user_id: str, select: str, *, typed: bool = True) -> dict[str, Any]:
        fields = select.split(",") if select else list(self.users[user_id])
        user = self.users[user_id]
        found = {f: user.get(f) for f in fields if f in user}
        return {"@odata.type": USER, **found} if typed else found

    def _member(self, object_id: str, select: str) -> dict[str, Any]:
        if object_id in self.users:
            return self._user(object_id, select)
        thing = self.objects[object_id]
        fields = select.split(",") if select else list(thing)
        if thing["@odata.type"] == GROUP:  # GroupMember.Read.All reads groups
            return {"@odata.type": GROUP, **{f: thing[f] for f in fields if f in thing}}
        # Devices and contacts need permissions the app does not have: type and id only.
        return {"@odata.type": thing["@odata.type"], "id": object_id,
                **{f: None for f in fields if f != "id"}}

    def _page(self, request: web.Request, ids: list[str], item: Any) -> web.Response:
        start = int(request.query.get("$skiptoken", "0"))
        size = min(self.page_size, int(request.query.get("$top", str(MAX_TOP))))
        body: dict[str, Any] = {"value": [item(i) for i in ids[start:start + size]]}
        if request.query.get("$count") == "true":
            body["@odata.count"] = len(ids)
        if start + size < len(ids):
            query = dict(request.query)
            query["$skiptoken"] = str(start + size)
            body["@odata.nextLink"] = str(request.url.with_query(query))
        return web.json_response(body)

    async def _members(self, request: web.Request) -> web.Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        group = request.match_info["group"]
        if group not in self.groups:
            return _not_found(group)
        select = request.query.get("$select", "")
        return self._page(request, self.groups[group], lambda i: self._member(i, select))

    async def _transitive_users(self, request: web.Request) -> web.Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        if (request.headers.get("ConsistencyLevel", "").lower() != "eventual"
                or request.query.get("$count") != "true"):
            return _graph_error(400, "Request_UnsupportedQuery", (
                "The OData cast on transitiveMembers is only supported with the "
                "ConsistencyLevel header set to eventual and $count=true."))
        group = request.match_info["group"]
        if group not in self.groups:
            return _not_found(group)
        select = request.query.get("$select", "")
        return self._page(request, self._users_inside(group),
                          lambda i: self._user(i, select, typed=False))

    def _users_inside(self, group: str) -> list[str]:
        """Users in ``group`` and every group inside it, once each, in listing order."""
        found: dict[str, None] = {}
        seen: set[str] = set()

        def walk(g: str) -> None:
            seen.add(g)
            for member in self.groups.get(g, []):
                if member in self.users:
                    found.setdefault(member)
                elif member in self.groups and member not in seen:
                    walk(member)

        walk(group)
        return list(found)

    async def _manager(self, request: web.Request) -> web.Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        boss = self.managers.get(request.match_info["user"])
        if boss is None:
            return _not_found(request.match_info["user"])
        return web.json_response(self._user(boss, request.query.get("$select", "")))


def _graph_error(status: int, code: str, message: str,
                 headers: dict[str, str] | None = None) -> web.Response:
    request_id = str(uuid.uuid4())
    return web.json_response({"error": {"code": code, "message": message, "innerError": {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        "request-id": request_id, "client-request-id": request_id}}},
        status=status, headers=headers)


def _not_found(object_id: str) -> web.Response:
    return _graph_error(404, "Request_ResourceNotFound", f"Resource '{object_id}' does not "
                        "exist or one of its queried reference-property objects are not present.")
