"""A TLS-intercepting proxy on loopback: what a corporate "TLS inspection" box does.

The proxy listens on 127.0.0.1. A client that connects to it (believing it is talking
to ``api.yourapp.com``) gets a TLS handshake with a certificate the *proxy* chose, for
example one issued by a corporate CA that IT installed on the device. Behind the scenes
the proxy opens its own, properly validated TLS connection to the real server and
copies bytes both ways. In between, the traffic is plaintext in the proxy's memory, and
it keeps a copy: that is how the proxy reads your bearer token.

The same class plays every attacker in lesson 05: only the certificate chain it presents
changes (a rogue public CA, a corporate CA, a government root, a mis-issued certificate).

    with MitmProxy(upstream=(server.host, server.port), chain=..., key=...,
                   upstream_roots=[pki.root.cert]) as proxy:
        ...connect a client to proxy.port...
    proxy.authorizations()      # ['Bearer ...'] if the client was fooled

It is a context manager: leaving the ``with`` block closes every socket and joins every
thread. Its two SSL contexts come from :mod:`helpers.tls.contexts`, like every other
server's and client's in the course.
"""

from __future__ import annotations

import re
import select
import socket
import ssl
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from cryptography import x509

from ..course import HOST, LOOPBACK, TIMEOUT
from .contexts import TrustAnchorsError, client_context, server_context
from .servers import NotRunningError

__all__ = ["Interception", "MitmProxy", "Outcome"]


class Outcome(StrEnum):
    """What happened on one client connection (the value is what a lesson prints)."""

    HANDSHAKE = "handshake"              # the client's handshake has not finished
    RELAYING = "relaying"                # both handshakes done, bytes flowing
    INTERCEPTED = "intercepted"          # plaintext flowed through the proxy
    CLIENT_REFUSED = "client refused"    # the client aborted, or hung up before sending anything
    UPSTREAM_FAILED = "upstream failed"  # the proxy could not reach (or validate) the real server


@dataclass
class Interception:
    """What the proxy saw on one client connection; ``outcome`` is an :class:`Outcome`."""

    outcome: Outcome = Outcome.HANDSHAKE
    client_to_server: bytearray = field(default_factory=bytearray)
    server_to_client: bytearray = field(default_factory=bytearray)
    detail: str = ""

    @property
    def request(self) -> bytes:
        """The plaintext the client sent, as the proxy read it."""
        return bytes(self.client_to_server)

    @property
    def response(self) -> bytes:
        """The plaintext the real server sent back."""
        return bytes(self.server_to_client)


class MitmProxy:
    """A TLS-terminating, TLS-re-originating proxy on 127.0.0.1 (port chosen by the OS).

    ``chain`` (leaf first) and ``key`` are what the proxy presents to clients.
    ``upstream`` is the real server's ``(host, port)``; the proxy validates it against
    ``upstream_roots`` with hostname ``upstream_name``, exactly like a careful client.
    """

    def __init__(self, upstream: tuple[str, int], *, chain: Sequence[x509.Certificate], key,
                 upstream_roots: Sequence[x509.Certificate], upstream_name: str = HOST,
                 listen_port: int = 0):
        if not upstream_roots:
            raise TrustAnchorsError("The proxy validates the real server, so it needs upstream_roots=[root].")
        self.upstream = upstream
        self.upstream_name = upstream_name
        self.listen_port = listen_port  # 0: the system picks a free port; a taken one raises OSError
        self._chain, self._key, self._roots = chain, key, list(upstream_roots)
        self.interceptions: list[Interception] = []
        self._threads: list[threading.Thread] = []
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener: socket.socket | None = None

    # -- lifecycle -------------------------------------------------------------------
    def __enter__(self) -> MitmProxy:
        self._server_ctx = server_context(self._chain, self._key)   # what the fooled client sees
        self._client_ctx = client_context(self._roots)               # how the proxy checks the real server
        self._listener = socket.create_server((LOOPBACK, self.listen_port))
        self._listener.settimeout(0.1)
        self._spawn(self._accept_loop)
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Stop accepting, close every connection, join every thread."""
        self._stop.set()
        if self._listener is not None:  # wakes the accept loop at once (Linux); else its timeout does
            _quiet_close(self._listener, shutdown=True)
        for _ in range(20):  # a handler may still be starting; repeat until all are gone
            with self._lock:
                sockets, threads = list(self._open), list(self._threads)
            for sock in sockets:
                _quiet_close(sock, shutdown=True)
            for thread in threads:
                thread.join(timeout=TIMEOUT)
            if not any(t.is_alive() for t in threads) and len(threads) == len(self._threads):
                break
        self._listener = None

    @property
    def host(self) -> str:
        return LOOPBACK

    @property
    def port(self) -> int:
        if self._listener is None or self._stop.is_set():
            raise NotRunningError("The proxy is not running; use it inside a `with MitmProxy(...)` block.")
        return self._listener.getsockname()[1]

    # -- what the attacker learned -----------------------------------------------------
    def plaintext(self) -> bytes:
        """Every byte the clients sent through the proxy, in order."""
        return b"".join(i.request for i in self.interceptions)

    def authorizations(self) -> list[str]:
        """The ``Authorization`` header values the proxy read in clear."""
        found = re.findall(rb"(?im)^authorization:[ \t]*([^\r\n]*)", self.plaintext())
        return [value.decode("latin-1") for value in found]

    # -- the work ----------------------------------------------------------------------
    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True, name="course-mitm-proxy")
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _track(self, sock: socket.socket) -> socket.socket:
        with self._lock:
            self._open.add(sock)
        return sock

    def _forget(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._open.discard(sock)
        _quiet_close(sock)

    def _accept_loop(self) -> None:
        listener = self._listener
        while not self._stop.is_set():
            try:
                raw, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self._stop.is_set():
                raw.close()
                return
            self._spawn(self._handle, raw)

    def _handle(self, raw: socket.socket) -> None:
        record = Interception()
        with self._lock:
            self.interceptions.append(record)
        client = upstream = None
        self._track(raw)
        try:
            raw.settimeout(TIMEOUT)
            client = self._track(self._server_ctx.wrap_socket(raw, server_side=True))
            upstream = self._connect_upstream(record)
            if upstream is not None:
                self._relay(client, upstream, record)
        except Exception as exc:  # a thread must never print a traceback to stderr
            record.outcome, record.detail = Outcome.CLIENT_REFUSED, _reason(exc)
        finally:
            self._forget(upstream)
            self._forget(client)
            self._forget(raw)
            if record.client_to_server:   # plaintext flowed: whatever broke afterwards, the proxy has read it
                record.outcome = Outcome.INTERCEPTED
            elif record.outcome is Outcome.RELAYING:
                record.outcome = Outcome.CLIENT_REFUSED

    def _connect_upstream(self, record: Interception) -> ssl.SSLSocket | None:
        try:
            raw = socket.create_connection(self.upstream, timeout=TIMEOUT)
        except OSError as exc:
            record.outcome, record.detail = Outcome.UPSTREAM_FAILED, _reason(exc)
            return None
        self._track(raw)
        try:
            return self._track(self._client_ctx.wrap_socket(raw, server_hostname=self.upstream_name))
        except (ssl.SSLError, OSError) as exc:
            self._forget(raw)
            record.outcome, record.detail = Outcome.UPSTREAM_FAILED, _reason(exc)
            return None

    def _relay(self, client: ssl.SSLSocket, upstream: ssl.SSLSocket, record: Interception) -> None:
        """Copy bytes both ways until either side hangs up, keeping a copy of each."""
        record.outcome = Outcome.RELAYING
        peer = {client: upstream, upstream: client}
        log = {client: record.client_to_server, upstream: record.server_to_client}
        while not self._stop.is_set():
            ready = [s for s in peer if s.pending()]
            if not ready:
                ready, _, _ = select.select(list(peer), [], [], 0.1)
            for sock in ready:
                data = _read_available(sock)
                if data is None:  # only TLS housekeeping arrived (e.g. a session ticket)
                    continue
                if not data:
                    return
                log[sock].extend(data)
                peer[sock].sendall(data)


def _read_available(sock: ssl.SSLSocket) -> bytes | None:
    """Application data that has arrived, ``None`` if there is none yet, ``b""`` when the peer is gone.

    The read must not block: a socket becomes readable when TLS 1.3 session tickets arrive,
    which carry no application data. A blocking read would then wait for data that the
    server sends only after the request, which sits unread on the other socket.
    """
    sock.settimeout(0)
    try:
        return sock.recv(65536)
    except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
        return None
    except (ssl.SSLError, OSError):
        return b""
    finally:
        try:
            sock.settimeout(TIMEOUT)  # sendall to this socket may block briefly, never forever
        except OSError:
            pass


def _reason(exc: BaseException) -> str:
    return getattr(exc, "reason", None) or type(exc).__name__


def _quiet_close(sock: socket.socket, *, shutdown: bool = False) -> None:
    try:
        if shutdown:
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
