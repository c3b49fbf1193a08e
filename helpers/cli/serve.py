"""``python -m helpers serve [--cert NAME] [--port N] [--host 127.0.0.1]``: the course's API, live.

The terminal demo kit's server: the toy API of lessons 04-06 (``GET /users`` with the bearer
token) on 127.0.0.1, presenting the chain an instructor names: the genuine one, a renewal or a
rekey, an attacker's, or one of lesson 03's broken chains. It prints what happens on every
connection as it happens, and stops on Ctrl+C with the port released.

It is :class:`helpers.tls.servers.HTTPSServer`; only the port is new (the class lets the OS pick
one). This module also holds what the three demo commands share: the loopback-only checks, the
port check, and the loop that prints events until Ctrl+C.

Exit codes: 0 stopped by Ctrl+C (or SIGTERM) after serving; 2 could not start (an unknown chain
name, a port that is not a number from 0 to 65535 or is taken, an address that is not loopback).
"""

from __future__ import annotations

import argparse
import ipaddress
import re
from collections.abc import Callable, Iterable

from ..course import HOST, LOOPBACK
from ..errors import BadInputError, CourseError

#: How often the live loops look for news (seconds).
POLL = 0.05


class DemoAddressError(BadInputError):
    """An address the demo kit will not use: not loopback, or not a port number."""


class PortInUseError(CourseError):
    """The port asked for is taken (or needs privileges)."""


class UnknownChainError(BadInputError):
    """A --cert name that is not one of the course's chains."""


# --- what the demo commands share ----------------------------------------------------------------

def parse_port(text: str, option: str = "--port") -> int:
    """``text`` as a TCP port from 0 (the OS picks a free one) to 65535; one sentence otherwise."""
    text = str(text).strip()
    if not re.fullmatch(r"[0-9]{1,5}", text) or int(text) > 65535:
        shown = text if len(text) <= 20 else text[:17] + "..."
        raise DemoAddressError(f"{option} {shown!r} is not a port; give a whole number from 1 to 65535 "
                               "(or 0 to let the system pick a free one), like 8443.")
    return int(text)


def loopback_host(host: str, what: str) -> str:
    """``host`` if it is a loopback address (127.0.0.0/8, ::1) or ``localhost``; one sentence otherwise."""
    text = host.strip().strip("[]")
    if text.lower() == "localhost":
        return text
    try:
        if ipaddress.ip_address(text).is_loopback:
            return text
    except ValueError:
        pass
    shown = host if len(host) <= 40 else host[:37] + "..."
    raise DemoAddressError(f"{what} {shown!r} is not a loopback address; the demo kit only uses this "
                           f"machine ({LOOPBACK} or localhost), so nothing leaves it.")


def bind_host(host: str, what: str) -> None:
    """Refuse any bind address but 127.0.0.1 (or localhost): the course's servers bind that one only."""
    if loopback_host(host, what).lower() not in (LOOPBACK, "localhost"):
        raise DemoAddressError(f"{what} {host!r} is loopback, but the demo kit binds {LOOPBACK} only; use "
                               f"{LOOPBACK}.")


def say(text: str) -> None:
    """Print one line now (a pipe or a test reads it live)."""
    print(text, flush=True)


def stop_on_signals() -> None:
    """Ctrl+C (SIGINT) and ``kill`` (SIGTERM) both stop a demo cleanly and release its port.

    SIGINT gets Python's own handler back even when the shell started the command with SIGINT
    ignored (``cmd &`` in a script does that), so ``kill -INT`` always works.
    """
    import signal

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (a test calling run()): nothing to install
        pass


def watch(events: Callable[[], Iterable[str]]) -> None:
    """Print each line ``events()`` yields, again and again, until Ctrl+C (KeyboardInterrupt)."""
    import time

    while True:
        for line in events():
            say(line)
        time.sleep(POLL)


def port_taken(port: int, exc: OSError, option: str) -> PortInUseError:
    import errno

    if exc.errno == errno.EACCES:
        return PortInUseError(f"could not start: port {port} needs administrator rights on this system; pick "
                              f"a port above 1023 with {option}.")
    return PortInUseError(f"could not start: port {port} on {LOOPBACK} is already in use; stop what runs "
                          f"there, or pick another port with {option} (0 lets the system choose).")


# --- the chains -------------------------------------------------------------------------------------

def chains() -> dict[str, tuple[str, list, object]]:
    """Every chain serve can present: name -> (what it is, chain leaf first, the leaf's key)."""
    from ..attacks import ATTACKS, CHAIN_STUFFING
    from ..pki import course_pki

    pki = course_pki()
    keys = {entry.stem: entry.key for entry in pki.entries}
    made = {
        "genuine": ("the genuine api.yourapp.com leaf and its intermediate", pki.leaf),
        "renewed": ("the renewal: new serial and dates, same key", pki.leaf_renewed),
        "rekeyed": ("the rekey: a new key (key 2)", pki.leaf_rekeyed),
        "backup": ("the leaf rotated onto the backup key (key 3)", pki.leaf_on_backup_key),
        "intermediate-2": ("the same key, issued by the second intermediate", pki.leaf_via_intermediate2),
        "other-ca": ("the backup key, issued by another public CA", pki.leaf_other_ca),
    }
    found = {name: (what, issued.chain, issued.key) for name, (what, issued) in made.items()}
    short = {"rogue CA": "rogue", "corporate proxy": "corporate", "government root": "government",
             "DV mis-issuance": "misissued"}
    for item in ATTACKS:
        found[short[item.key]] = (f"attacker: {item.title[0].lower()}{item.title[1:]}", item.chain(),
                                  item.leaf().key)
    found["stuffed"] = (f"attacker: {CHAIN_STUFFING.title[0].lower()}{CHAIN_STUFFING.title[1:]}",
                        CHAIN_STUFFING.chain(), CHAIN_STUFFING.leaf().key)
    for name, case in pki.gallery.items():
        key = keys.get(f"gallery-{name}")
        if key is not None:
            found[name] = (f"lesson 03's broken chain: {case.reason}", [case.leaf, *case.intermediates], key)
    return found


def chain_named(name: str) -> tuple[str, list, object]:
    known = chains()
    if name not in known:
        shown = name if len(name) <= 30 else name[:27] + "..."
        raise UnknownChainError(f"there is no chain {shown!r}; use one of: {', '.join(known)}.")
    return known[name]


# --- the server -------------------------------------------------------------------------------------

def course_server(chain, key, port: int = 0):
    """An :class:`~helpers.tls.servers.HTTPSServer` that listens on ``port`` (0: the OS picks)."""
    from ..tls.servers import ApiHandler, HTTPSServer

    quiet: list[str] = []  # TLS versions of connections that closed without a request

    class _Narrating(ApiHandler):
        def handle(self) -> None:
            super().handle()  # a failed handshake raises here, and the server records it as an error
            if not getattr(self, "raw_requestline", b""):
                try:
                    quiet.append(self.request.version() or "TLS")
                except (OSError, ValueError):
                    quiet.append("TLS")

    class _Server(HTTPSServer):
        def start(self):
            try:
                return super().start()
            except OSError as exc:
                raise port_taken(port, exc, "--port") from None

    server = _Server(chain, key, handler=_Narrating, listen_port=port)
    server.quiet = quiet
    return server


EPILOG = f"""\
Chains (--cert): genuine (the default), renewed, rekeyed, backup, intermediate-2, other-ca; the
attackers rogue, corporate, government, misissued and stuffed; and lesson 03's broken chains, such as
expired, wrong-host and unknown-root. `--cert list` lists them all.

Only loopback: the server binds {LOOPBACK} and nothing else. Point real tools at it with, e.g.
  curl --cacert data/certs/yourapp-root.pem --resolve {HOST}:8443:127.0.0.1 \\
       -H 'Authorization: Bearer course-demo-token-1234' https://{HOST}:8443/users

Exit status:
  0 stopped by Ctrl+C (or SIGTERM); the port is released
  2 could not start: an unknown chain, a bad or taken port, a non-loopback address (one sentence)"""


def add(sub) -> None:
    p = sub.add_parser("serve", help="run the course's API on 127.0.0.1 with a chosen chain (demo kit)",
                       description="Run the course's toy API (GET /users with a bearer token) on 127.0.0.1,\n"
                                   "presenting the chain you choose, and print every connection live.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cert", default="genuine", metavar="NAME",
                   help="the chain to present (default: genuine; `list` lists them)")
    p.add_argument("--port", default="8443", help="the port to listen on (default: 8443; 0: any free port)")
    p.add_argument("--host", default=LOOPBACK, help=f"the address to bind: {LOOPBACK} only (the default)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..attacks import describe
    from ..tls.api import API_TOKEN

    bind_host(args.host, "--host")
    port = parse_port(args.port)
    if args.cert.strip() == "list":
        for name, (what, _, _) in chains().items():
            say(f"{name:22} {what}")
        return 0
    what, chain, key = chain_named(args.cert.strip())
    stop_on_signals()
    server = course_server(chain, key, port)
    news = _news(server)
    try:
        with server:
            port = server.port
            say(f"serving {HOST} on https://{LOOPBACK}:{port} with the {args.cert.strip()} chain: {what}")
            say("  chain sent: " + "; then ".join(describe(cert) for cert in chain))
            say(f"  GET /users answers only 'Authorization: Bearer {API_TOKEN}'")
            say(f"  try: python -m helpers client https://{LOOPBACK}:{port}/users")
            say(f"   or: curl --cacert data/certs/yourapp-root.pem --resolve {HOST}:{port}:{LOOPBACK} "
                f"-H 'Authorization: Bearer {API_TOKEN}' https://{HOST}:{port}/users")
            say("press Ctrl+C to stop")
            watch(news)
    except KeyboardInterrupt:
        pass
    for line in news():  # requests that ended while stopping: the server has joined their threads
        say(line)
    say(f"stopped; port {port} is free again")
    return 0


_STATUS = {200: "answered the users (the right bearer token came with it)",
           401: "refused: no bearer token, or the wrong one",
           404: "not found (the API has /users only)"}


def _news(server) -> Callable[[], list[str]]:
    """What happened since last asked: one line per request served and per failed handshake."""
    seen = {"log": 0, "errors": 0, "quiet": 0}

    def events() -> list[str]:
        log, errors = server.log, server.errors
        lines = [f"request: {method} {path[:80]} -> {status}, {_STATUS.get(status, 'answered')}"
                 for method, path, status in log[seen["log"]:]]
        lines += [f"connection failed before HTTP: {_plain(error)}" for error in errors[seen["errors"]:]]
        quiet = list(getattr(server, "quiet", []))
        lines += [f"connection: the handshake succeeded ({version}), then the client hung up without a request "
                  "(openssl s_client does that)" for version in quiet[seen["quiet"]:]]
        seen.update(log=len(log), errors=len(errors), quiet=len(quiet))
        return lines

    return events


def _plain(error: str) -> str:
    """A server-side TLS failure in words: most often the client refused our certificate."""
    lowered = error.lower().replace("_", " ")
    if "unknown ca" in lowered or "bad certificate" in lowered or "certificate unknown" in lowered:
        return f"the client refused this certificate ({error})"
    if "eof" in lowered or "reset" in lowered:
        return f"the client hung up during the handshake ({error})"
    return error
