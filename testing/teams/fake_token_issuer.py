"""A fake Bot Framework token issuer: OpenID metadata and signing keys on a free loopback port.

Teams signs every request to the bot with a key published at
``login.botframework.com/v1/.well-known/openidconfiguration``; the SDK fetches that document
and its ``jwks_uri``, then checks the token's signature, issuer, audience, expiry and service
URL. This fake publishes one RSA key of its own, so tests can send tokens the real SDK
accepts. The SDK fetches the keys with blocking ``requests`` calls from the event loop, so the
fake answers from its own thread (an aiohttp app on the same loop could never answer).
"""

from __future__ import annotations

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


class FakeTokenIssuer:
    def __init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        self._documents: dict[str, Any] = {"/keys": {"keys": [{**jwk, "kid": KEY_ID,
                                                                "use": "sig"}]}}
        documents = self._documents

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
                document = documents.get(self.path)
                body = json.dumps(document).encode()
                self.send_response(200 if document is not None else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # quiet

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._documents["/openid"] = {"issuer": ISSUER, "jwks_uri": f"{base}/keys",
                                      "id_token_signing_alg_values_supported": ["RS256"]}
        self.metadata_url = f"{base}/openid"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def token(self, app_id: str, service_url: str, *, lifetime: int = 3600,
              **claims: Any) -> str:
        """A token as Teams sends it to the bot ``app_id`` for activities from
        ``service_url``; ``lifetime`` < 0 gives an expired one."""
        now = int(time.time())
        payload = {"iss": ISSUER, "aud": app_id, "serviceurl": service_url,
                   "nbf": now - 60, "iat": now - 60, "exp": now + lifetime, **claims}
        return jwt.encode(payload, self._key, algorithm="RS256", headers={"kid": KEY_ID})

    def header(self, app_id: str, service_url: str, **options: Any) -> dict[str, str]:
        return {"Authorization": "Bearer " + self.token(app_id, service_url, **options)}
