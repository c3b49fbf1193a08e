"""A real HTTPS API on loopback, and a client for it.

:class:`HTTPSServer` serves a tiny JSON API over TLS on ``127.0.0.1`` (the operating system
picks the port). ``GET /users`` answers only a request that carries the right bearer
token. The server presents whatever certificate chain you give it, so the same class
plays the honest server (the course leaf + intermediate) and any odd variant a lesson
needs (an extra certificate stuffed into the chain, a chain from another CA)::

    with HTTPSServer(pki.leaf) as server:               # the course leaf + intermediate
        response = get(server, "/users", roots=[pki.root.cert], token=API_TOKEN)
    response.status, response.json

:func:`get` connects to 127.0.0.1 but asks for ``api.yourapp.com`` (SNI and hostname check),
like a phone app whose DNS points at this laptop. It validates against the roots you
pass, and only those. A TLS failure raises the real ``ssl`` exception the
app would see; :func:`try_get` returns it as a :class:`Failure` instead, for lessons that
show it. Leaving the ``with`` block stops the server, joins its threads and closes its
sockets, so a notebook can start it again and again. The API itself (its token, users and
:class:`~helpers.tls.api.Response`) is :mod:`helpers.tls.api`.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from ..course import HOST, LOOPBACK, TIMEOUT
from ..errors import BadInputError, CourseError
from .api import API_TOKEN, USERS, Response, describe_exception
from .contexts import as_chain, client_context, server_context

__all__ = [
    "Failure", "HTTPSServer", "NotListeningError", "NotRunningError", "RequestPathError",
    "ServerRunningError", "TargetError", "get", "try_get",
]


class NotRunningError(BadInputError):
    """A server or proxy was asked for its port outside its ``with`` block."""


class ServerRunningError(BadInputError):
    """A server that is already running was started again."""


class TargetError(BadInputError):
    """Something to connect to that is not a server, a port or an https:// URL."""


class RequestPathError(BadInputError):
    """A request path that does not start with ``/``."""


class NotListeningError(BadInputError):
    """Nothing listens at the address a client was given."""


# --- the server ----------------------------------------------------------------------------------

class ApiHandler(BaseHTTPRequestHandler):
    """``GET /users`` with ``Authorization: Bearer <token>``; everything else is 401 or 404."""

    server_version = "CourseAPI/1.0"
    sys_version = ""
    timeout = TIMEOUT

    def do_GET(self) -> None:  # the method name http.server looks for
        if self.path != "/users":
            self._send(404, {"error": "not found", "try": "/users"})
        elif self.headers.get("Authorization", "") != f"Bearer {self.server.token}":
            self._send(401, {"error": "missing or wrong bearer token"},
                       {"WWW-Authenticate": f'Bearer realm="{HOST}"'})
        else:
            self._send(200, list(self.server.users))

    def _send(self, status: int, body, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", "Content-Length": str(len(data)),
                            "Connection": "close", **(headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.server.log.append((self.command, self.path, status))

    def log_message(self, format, *args) -> None:
        """Say nothing: request logs on stderr would clutter a notebook (``log`` keeps them)."""


class _TLSHTTPServer(ThreadingHTTPServer):
    daemon_threads = False       # so server_close() joins every request thread
    block_on_close = True
    allow_reuse_address = True

    def __init__(self, context: ssl.SSLContext, handler, token: str, users, port: int = 0):
        self.tls, self.token, self.users = context, token, users
        self.log: list[tuple[str, str, int]] = []
        self.errors: list[str] = []
        super().__init__((LOOPBACK, port), handler)

    def get_request(self):
        sock, address = self.socket.accept()
        sock.settimeout(TIMEOUT)
        # the handshake runs in the request thread (on first read), so a slow client blocks no one
        return self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

    def handle_error(self, request, client_address) -> None:
        self.errors.append(describe_exception(sys.exc_info()[1]))  # e.g. the client rejected our chain


class HTTPSServer:
    """The course's HTTPS API server on 127.0.0.1, as a context manager.

    ``chain`` / ``key``: what to present (see :func:`~helpers.tls.contexts.as_chain`; for the
    honest server, ``pki.leaf``: the course leaf and its intermediate). ``token``: the bearer
    token ``GET /users`` requires (the toy API's, :data:`~helpers.tls.api.API_TOKEN`, by default).
    ``handler``: a ``BaseHTTPRequestHandler`` subclass, to serve something other than the toy API.
    ``listen_port``: the port to bind (0, the default: the system picks a free one); a taken port
    makes :meth:`start` raise ``OSError``.
    After start: ``host``, ``port``, ``url``; ``log`` lists (method, path, status) served and
    ``errors`` the TLS failures seen (class and reason).
    """

    def __init__(self, chain, key=None, *, token: str = API_TOKEN, users=USERS,
                 handler=ApiHandler, tls12: bool = False, listen_port: int = 0):
        self.chain, self.key = as_chain(chain, key)
        self.listen_port = listen_port
        self.token, self.users, self.handler, self.tls12 = token, tuple(users), handler, tls12
        self._httpd: _TLSHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._last: tuple[list, list] = ([], [])      # log and errors of the last run, after stop()

    def start(self) -> HTTPSServer:
        if self._httpd is not None:
            raise ServerRunningError("This server is already running; stop it first or use a new "
                                     "HTTPSServer.")
        context = server_context(self.chain, self.key, tls12=self.tls12)
        self._httpd = _TLSHTTPServer(context, self.handler, self.token, self.users, self.listen_port)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="course-https-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, join the serving and request threads, close the listening socket."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._thread.join(TIMEOUT)
        self._httpd.server_close()
        self._last = (self._httpd.log, self._httpd.errors)
        self._httpd = self._thread = None

    def __enter__(self) -> HTTPSServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def host(self) -> str:
        return LOOPBACK

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise NotRunningError("The server is not running; use it inside `with HTTPSServer(pki.leaf) as "
                                  "server:`.")
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"https://{LOOPBACK}:{self.port}"

    @property
    def log(self) -> list[tuple[str, str, int]]:
        return list(self._httpd.log if self._httpd else self._last[0])

    @property
    def errors(self) -> list[str]:
        return list(self._httpd.errors if self._httpd else self._last[1])

    def __repr__(self) -> str:  # no port: safe in compared notebook output
        return f"<HTTPSServer {'running' if self.running else 'stopped'}, {len(self.chain)} certificate(s)>"


# --- the client ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Failure:
    """A request that failed before HTTP: the exception the app saw, as class and reason."""

    exception: str
    error: BaseException = field(repr=False, compare=False, default=None)

    ok = False

    def __str__(self) -> str:
        return self.exception


def _address(target) -> tuple[str, int]:
    if hasattr(target, "port") and hasattr(target, "host"):
        return target.host, target.port
    if isinstance(target, int) and not isinstance(target, bool) and 0 < target < 65536:
        return LOOPBACK, target
    if isinstance(target, str) and target.startswith("https://"):
        try:
            parts = urlsplit(target)
            if parts.port:
                return parts.hostname, parts.port
        except ValueError:
            pass
    raise TargetError(f"{target!r} is not a server to connect to; pass a running HTTPSServer, its port, "
                      "or its url (https://127.0.0.1:PORT).")


class _Connection(http.client.HTTPSConnection):
    """Connect to an address but speak to a host name (SNI + hostname check), like DNS would."""

    def __init__(self, address: tuple[str, int], server_hostname: str, context, timeout: float):
        super().__init__(address[0], address[1], context=context, timeout=timeout)
        self._server_hostname = server_hostname

    def connect(self) -> None:
        raw = socket.create_connection((self.host, self.port), self.timeout)
        try:
            self.sock = self._context.wrap_socket(raw, server_hostname=self._server_hostname)
            self.tls_version = self.sock.version()
        except BaseException:
            raw.close()
            raise


def get(target, path: str = "/users", *, roots, token: str | None = None, server_hostname: str = HOST,
        timeout: float = TIMEOUT) -> Response:
    """``GET path`` over HTTPS from ``target`` (a server, port or url); raises the app's real TLS error.

    ``roots``: what the client trusts (for the course, ``[pki.root.cert]``). ``token`` adds
    ``Authorization: Bearer <token>``.
    """
    address = _address(target)
    if not isinstance(path, str) or not path.startswith("/"):
        raise RequestPathError(f"{path!r} is not a request path; pass one that starts with /, like '/users'.")
    context = client_context(roots)
    headers = {"Host": server_hostname, "Accept": "application/json", "Connection": "close"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    connection = _Connection(address, server_hostname, context, timeout)
    try:
        connection.request("GET", path, headers=headers)
        reply = connection.getresponse()
        body, version = reply.read(), getattr(connection, "tls_version", "")
    except ConnectionRefusedError:
        raise NotListeningError(f"Nothing is listening on {address[0]}:{address[1]}; start the server (with "
                                "HTTPSServer(pki.leaf) as server:) and connect to server.port.") from None
    finally:
        connection.close()
    return Response.from_reply(reply, body, version)


def try_get(target, path: str = "/users", **kwargs) -> Response | Failure:
    """Like :func:`get`, but a TLS or connection failure comes back as a :class:`Failure`."""
    try:
        return get(target, path, **kwargs)
    except CourseError:
        raise
    except (ssl.SSLError, OSError) as exc:
        return Failure(describe_exception(exc), exc)

