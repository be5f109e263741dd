"""A fake Microsoft Entra ID and Graph on a free loopback port, over HTTPS.

It serves what the sync uses, shaped as the real services answer: the tenant's OpenID
configuration and token endpoint (for MSAL, which only talks https), ``/groups/{id}/members``
in pages joined by absolute ``@odata.nextLink`` URLs, and ``/users/{id}/manager`` (404 when
someone has no manager). Tests can make one request answer 429 with ``Retry-After`` and make
the current token expire after some requests (401), as a long sync meets both.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import itertools
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
CLIENT_SECRET = "not-a-real-secret"


def make_client_certificate(folder: Path) -> tuple[Path, Path]:
    """An app registration's certificate credential: (PEM with the RSA key and the
    certificate, as the bot reads it; the certificate alone, as uploaded to Entra)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "policybot directory sync")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2)).sign(key, hashes.SHA256()))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    both, alone = folder / "app-credential.pem", folder / "app-certificate.pem"
    both.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()) + cert_pem)
    alone.write_bytes(cert_pem)
    return both, alone


def make_certificate(folder: Path) -> Path:
    """A self-signed certificate for 127.0.0.1; the file holds the certificate (the CA to
    trust) and a ``.key`` beside it holds the key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path = folder / "graph-cert.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "graph-cert.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return cert_path


@dataclass
class FakeGraph:
    cert: Path
    page_size: int = 3
    client_certificate: Path | None = None  # the app registration's uploaded certificate
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> Graph user
    managers: dict[str, str] = field(default_factory=dict)  # user id -> manager id
    groups: dict[str, list[str]] = field(default_factory=dict)  # group id -> member ids
    token_requests: int = 0
    requests: list[str] = field(default_factory=list)  # paths of Graph requests, in order
    _valid_tokens: set[str] = field(default_factory=set)
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

    def leave_group(self, group: str, user_id: str) -> None:
        self.groups[group].remove(user_id)

    # -- endpoints ----------------------------------------------------------------------------

    async def _openid(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        return web.json_response({
            "issuer": f"{self.base}/{tenant}/v2.0",
            "authorization_endpoint": f"{self.base}/{tenant}/oauth2/v2.0/authorize",
            "token_endpoint": f"{self.base}/{tenant}/oauth2/v2.0/token"})

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if (request.match_info["tenant"] != TENANT or form.get("client_id") != CLIENT_ID
                or not self._credential_ok(form, str(request.url))
                or form.get("grant_type") != "client_credentials"):
            return web.json_response({"error": "invalid_client", "error_description":
                                      "AADSTS7000215: Invalid client secret provided."},
                                     status=401)
        self.token_requests += 1
        token = f"token-{next(self._counter)}"
        self._valid_tokens.add(token)
        return web.json_response({"token_type": "Bearer", "expires_in": 3599,
                                  "access_token": token})

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

    def _refusal(self, request: web.Request) -> web.Response | None:
        self.requests.append(request.path)
        if self._expire_after is not None:
            if self._expire_after == 0:
                self._valid_tokens.clear()
                self._expire_after = None
            else:
                self._expire_after -= 1
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self._valid_tokens:
            return web.json_response({"error": {"code": "InvalidAuthenticationToken",
                                                "message": "Lifetime validation failed"}},
                                     status=401)
        if any(part in request.path for part in self._forbidden):
            return web.json_response({"error": {"code": "Authorization_RequestDenied",
                                                "message": "Insufficient privileges"}},
                                     status=403)
        for i, (part, seconds) in enumerate(self._throttle):
            if part in request.path:
                del self._throttle[i]
                return web.json_response({"error": {"code": "TooManyRequests"}}, status=429,
                                         headers={"Retry-After": str(seconds)})
        return None

    def _user(self, user_id: str, select: str) -> dict[str, Any]:
        fields = select.split(",") if select else list(self.users[user_id])
        user = self.users[user_id]
        return {"@odata.type": "#microsoft.graph.user",
                **{f: user.get(f) for f in fields if f in user}}

    async def _members(self, request: web.Request) -> web.Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        group = request.match_info["group"]
        if group not in self.groups:
            return web.json_response({"error": {"code": "Request_ResourceNotFound"}},
                                     status=404)
        start = int(request.query.get("$skiptoken", "0"))
        ids = self.groups[group]
        page = [self._user(u, request.query.get("$select", "")) for u in
                ids[start:start + self.page_size]]
        body: dict[str, Any] = {"value": page}
        if start + self.page_size < len(ids):
            query = dict(request.query)
            query["$skiptoken"] = str(start + self.page_size)
            body["@odata.nextLink"] = str(request.url.with_query(query))
        return web.json_response(body)

    async def _manager(self, request: web.Request) -> web.Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        boss = self.managers.get(request.match_info["user"])
        if boss is None:
            return web.json_response({"error": {"code": "Request_ResourceNotFound"}},
                                     status=404)
        return web.json_response(self._user(boss, request.query.get("$select", "")))
