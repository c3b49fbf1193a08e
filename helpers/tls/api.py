"""The toy API of lessons 04-06: its bearer token, its users, and the shape of its answers.

``GET /users`` with ``Authorization: Bearer <API_TOKEN>`` answers :data:`USERS` as JSON.
:mod:`helpers.tls.servers` serves it over real sockets, :mod:`helpers.tls.capture` replays
one exchange through in-memory pipes, and the clients (:func:`helpers.tls.servers.get`,
:func:`helpers.pinning.client.fetch`) return a :class:`Response`. A failure is reported
by :func:`describe_exception`, in words that never hold an address, a port or a C line number.
"""

from __future__ import annotations

import http.client
import json
import ssl
from dataclasses import dataclass, field

__all__ = ["API_TOKEN", "USERS", "Response", "describe_exception"]

#: The toy API's bearer token. Real tokens are secrets; this one is printed in the lesson on purpose.
API_TOKEN = "course-demo-token-1234"
USERS = ({"id": 1, "name": "Ada Lovelace"}, {"id": 2, "name": "Grace Hopper"})


@dataclass(frozen=True)
class Response:
    """An HTTP answer: status, body (parsed JSON, or text), headers, and the TLS version it came over."""

    status: int
    json: object = None
    headers: dict = field(default_factory=dict, repr=False)
    tls_version: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @classmethod
    def from_reply(cls, reply: http.client.HTTPResponse, body: bytes, tls_version: str) -> Response:
        """Build a Response from a finished reply; a body that is not JSON is kept as text."""
        try:
            data = json.loads(body) if body else None
        except ValueError:
            data = body.decode("utf-8", "replace")
        return cls(reply.status, data, dict(reply.getheaders()), tls_version or "")


def describe_exception(exc: BaseException) -> str:
    """Class and reason of an exception, without addresses, ports or C line numbers."""
    name = type(exc).__name__
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"{name}: {exc.reason} ({exc.verify_message})"
    if isinstance(exc, ssl.SSLError):
        return f"{name}: {exc.reason or exc.strerror or 'TLS error'}"
    if isinstance(exc, OSError):
        return f"{name}: {exc.strerror or exc}"
    return f"{name}: {exc}"
