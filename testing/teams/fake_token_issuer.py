"""A fake Bot Framework token issuer: a signing key set on a free loopback port.

Teams signs every request to the bot with a key Microsoft publishes at
``login.botframework.com/v1/.well-known/keys``; the SDK fetches that key set (PyJWT's client,
blocking, in a worker thread) and checks the token's signature, audience, issuer and times.
This fake publishes one RSA key of its own, so tests can send tokens the real SDK accepts, and
holds a second key it never publishes, for tokens signed by a key nobody knows.

``hold_keys()`` makes the key set wait until ``release_keys()``: a slow key endpoint. The fake
answers from threads of its own, so a test can hold it while its own event loop goes on.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.com"
KEY_ID = "fake-teams-key"
UNKNOWN_KEY_ID = "a-key-nobody-published"
# A held key request gives up after this long, so a failing test cannot hang the run.
HOLD_LIMIT_SECONDS = 60.0


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class FakeTokenIssuer:
    def __init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._unpublished = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        key_set = {"keys": [{**jwk, "kid": KEY_ID, "use": "sig", "alg": "RS256"}]}
        self.key_requests = 0
        self._released = threading.Event()
        self._released.set()
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
                found = self.path == "/keys"
                if found:
                    issuer.key_requests += 1
                    issuer._released.wait(HOLD_LIMIT_SECONDS)
                body = json.dumps(key_set if found else {}).encode()
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # quiet

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.jwks_url = f"http://127.0.0.1:{self._server.server_address[1]}/keys"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def hold_keys(self) -> None:
        """Key requests wait (a slow key endpoint) until :meth:`release_keys`."""
        self._released.clear()

    def release_keys(self) -> None:
        self._released.set()

    def claims(self, app_id: str, service_url: str, *, lifetime: int = 3600,
               starts_in: int = -60, **extra: Any) -> dict[str, Any]:
        """The claims of a token as Teams sends it to the bot ``app_id`` for activities from
        ``service_url``; ``lifetime`` < 0 gives an expired one, ``starts_in`` > 0 one not yet
        valid (the SDK allows five minutes of clock skew either way)."""
        now = int(time.time())
        return {"iss": ISSUER, "aud": app_id, "serviceurl": service_url,
                "nbf": now + starts_in, "iat": now + min(starts_in, 0),
                "exp": now + lifetime, **extra}

    def token(self, app_id: str, service_url: str, *, unknown_key: bool = False,
              **options: Any) -> str:
        """A signed token (by a key nobody published, with ``unknown_key``)."""
        key, kid = (self._unpublished, UNKNOWN_KEY_ID) if unknown_key else (self._key, KEY_ID)
        return jwt.encode(self.claims(app_id, service_url, **options), key, algorithm="RS256",
                          headers={"kid": kid})

    def unsigned_token(self, app_id: str, service_url: str) -> str:
        """A token with ``alg: none`` and no signature, naming the published key."""
        header = {"alg": "none", "typ": "JWT", "kid": KEY_ID}
        return f"{_b64(header)}.{_b64(self.claims(app_id, service_url))}."

    def header(self, app_id: str, service_url: str, **options: Any) -> dict[str, str]:
        return {"Authorization": "Bearer " + self.token(app_id, service_url, **options)}
