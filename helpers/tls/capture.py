"""Capture a real TLS handshake in memory: every byte each side wrote, and the client's key log.

Two OpenSSL endpoints (Python ``ssl``) talk through ``MemoryBIO`` pipes in one thread, so
nothing touches the network and every byte is ours to read. Each time one side has spoken,
the bytes it wrote are one *flight*, labelled with its :class:`~helpers.tls.names.Sender`.
The client's ``SSLContext.keylog_filename`` writes the traffic secrets (the same key log
browsers write with ``SSLKEYLOGFILE``), which :mod:`helpers.tls.decode` uses to decrypt what
TLS 1.3 encrypts. The request and response are the toy API's (:mod:`helpers.tls.api`).
"""

from __future__ import annotations

import json
import ssl
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..course import HOST
from .api import API_TOKEN, USERS, describe_exception
from .contexts import client_context, server_context
from .names import Sender

__all__ = ["REQUEST", "RESPONSE", "Capture", "capture_in_memory"]


@dataclass(frozen=True)
class Capture:
    """The raw material: who sent which bytes, the key log, and what each side raised."""

    flights: tuple[tuple[Sender, bytes], ...]
    keylog: str
    errors: Mapping[Sender, str] = field(default_factory=dict)
    negotiated: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"flights": [(s, d.hex()) for s, d in self.flights], "keylog": self.keylog,
                           "errors": dict(self.errors), "negotiated": dict(self.negotiated)})

    @classmethod
    def from_json(cls, text: str) -> Capture:
        data = json.loads(text)
        return cls(tuple((Sender(s), bytes.fromhex(d)) for s, d in data["flights"]), data["keylog"],
                   {Sender(s): error for s, error in data["errors"].items()}, data["negotiated"])


REQUEST = f"GET /users HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {API_TOKEN}\r\n\r\n".encode()
_BODY = json.dumps(list(USERS)).encode()
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(_BODY)}\r\n\r\n".encode() + _BODY)


def _pump(name: Sender, out: ssl.MemoryBIO, peer_in: ssl.MemoryBIO, flights: list) -> bool:
    data = out.read()
    if data:
        flights.append((name, data))
        peer_in.write(data)
    return bool(data)


def _step(client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext, server_hostname: str,
          request: bool, with_finished: bool = False) -> tuple[list, dict, dict]:
    """Alternate client and server until neither has anything to say; each turn's bytes are a flight.

    ``with_finished``: the client writes its request as soon as its handshake is done, in the same
    flight as its Finished (TLS 1.3 allows it); otherwise after the server's session tickets.
    """
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    ends = {Sender.CLIENT: (client_ctx.wrap_bio(c_in, c_out, server_hostname=server_hostname), c_out, s_in),
            Sender.SERVER: (server_ctx.wrap_bio(s_in, s_out, server_side=True), s_out, c_in)}
    flights, errors, done = [], {}, set()
    for _ in range(12):                      # a handshake needs four turns; failures fewer
        spoke = False
        for name, (end, out, peer_in) in ends.items():
            if name not in errors and name not in done:
                try:
                    end.do_handshake()
                    done.add(name)
                    if request and with_finished and name is Sender.CLIENT:
                        end.write(REQUEST)   # right behind the client's Finished
                except ssl.SSLWantReadError:
                    pass
                except (ssl.SSLError, OSError) as exc:
                    errors[name] = describe_exception(exc)
            spoke = _pump(name, out, peer_in, flights) or spoke
        if not spoke:
            break
    client, server = ends[Sender.CLIENT][0], ends[Sender.SERVER][0]
    negotiated = {}
    if not errors:
        negotiated = {"version": client.version(), "cipher": client.cipher()[0],
                      "alpn": client.selected_alpn_protocol() or ""}
        if request:                          # one request and response, to see application data
            if not with_finished:
                client.write(REQUEST)
                _pump(Sender.CLIENT, c_out, s_in, flights)
            server.read(65536)
            server.write(RESPONSE)
            _pump(Sender.SERVER, s_out, c_in, flights)
            client.read(65536)
    return flights, errors, negotiated


def capture_in_memory(chain, key=None, *, roots, server_hostname: str = HOST, tls12: bool = False,
                      request: bool = True, request_with_finished: bool = False) -> Capture:
    """Run one handshake between two ``ssl`` endpoints in this process and return its :class:`Capture`.

    ``chain``/``key``: what the server presents (``pki.leaf`` for the course chain). ``roots``:
    what the client trusts (``[pki.root.cert]``). ``request``: also send one ``GET /users``;
    ``request_with_finished``: send it in the client's Finished flight, as soon as TLS allows.
    """
    server_ctx = server_context(chain, key, tls12=tls12)
    client_ctx = client_context(roots, tls12=tls12)
    with tempfile.TemporaryDirectory(prefix="course-keylog-") as folder:
        keylog = Path(folder, "keys.log")
        client_ctx.keylog_filename = str(keylog)
        flights, errors, negotiated = _step(client_ctx, server_ctx, server_hostname, request,
                                            request_with_finished)
        client_ctx.keylog_filename = None     # flush and close the file before reading it
        text = keylog.read_text() if keylog.exists() else ""
    return Capture(tuple(flights), text, errors, negotiated)
