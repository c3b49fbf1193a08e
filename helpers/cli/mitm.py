"""``python -m helpers mitm --ca corporate|rogue|government|misissued|stuffed --listen PORT --upstream H:P``.

The terminal demo kit's attacker: lesson 05's intercepting proxy
(:class:`helpers.tls.proxy.MitmProxy`) on 127.0.0.1. A client that connects to it gets a
certificate for api.yourapp.com from the attacker's CA; behind it the proxy opens its own,
validated connection to the real server (``serve``) and copies bytes both ways, reading them in
between. Each connection is printed when it ends: whether the client accepted the fake
certificate, and if it did, the request it sent, bearer token included.

Exit codes: 0 stopped by Ctrl+C (or SIGTERM); 2 could not start (an unknown CA, a bad or taken
port, an address that is not loopback).
"""

from __future__ import annotations

import argparse
import re

from ..course import HOST, LOOPBACK
from .serve import DemoAddressError, UnknownChainError, bind_host, loopback_host, parse_port, say

#: --ca names -> the attack scenario whose certificate the proxy presents.
CAS = {"corporate": "corporate proxy", "rogue": "rogue CA", "government": "government root",
       "misissued": "DV mis-issuance", "stuffed": "chain stuffing"}

#: The file in data/certs/ a device must trust for each --ca to fool a plain client.
TRUST_FILES = {"corporate": "corporate-proxy-ca", "rogue": "rogue-public-ca", "government": "government-root",
               "misissued": "yourapp-root", "stuffed": "rogue-public-ca"}

EPILOG = f"""\
The proxy is transparent: point a client at it as if the network sent {HOST} there, e.g.
  python -m helpers serve --port 8443
  python -m helpers mitm --ca corporate --listen 9443 --upstream 127.0.0.1:8443
  python -m helpers client https://127.0.0.1:8443/users --roots yourapp-root,corporate-proxy-ca \\
         --via 127.0.0.1:9443

Only loopback: it listens on {LOOPBACK}, and the upstream must be a loopback address too.

Exit status:
  0 stopped by Ctrl+C (or SIGTERM); the port is released
  2 could not start: an unknown CA, a bad or taken port, a non-loopback address (one sentence)"""


def add(sub) -> None:
    p = sub.add_parser("mitm", help="run the intercepting proxy on 127.0.0.1 and print what it reads (demo kit)",
                       description="Run lesson 05's TLS-intercepting proxy on 127.0.0.1 in front of the course's\n"
                                   "API, and print every request it reads in clear, bearer token included.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ca", required=True, metavar="CA",
                   help=f"whose certificate the proxy presents: {', '.join(CAS)}")
    p.add_argument("--listen", required=True, metavar="PORT",
                   help=f"the port to listen on, on {LOOPBACK} (PORT or {LOOPBACK}:PORT; 0: any free port)")
    p.add_argument("--upstream", required=True, metavar="HOST:PORT",
                   help="the real server, on loopback (where `serve` runs), e.g. 127.0.0.1:8443")
    p.set_defaults(func=run)


def parse_listen(text: str) -> int:
    """``PORT`` or ``127.0.0.1:PORT`` -> the port; a non-loopback address is refused."""
    host, sep, port = str(text).strip().rpartition(":")
    if sep:
        bind_host(host, "--listen")
    return parse_port(port if sep else text, "--listen")


def parse_upstream(text: str) -> tuple[str, int]:
    """``HOST:PORT`` on loopback -> (address, port); a name or a routable address is refused."""
    from .connect import HostPortError, parse_hostport

    text = str(text).strip()
    host, sep, port = text.rpartition(":")
    if sep and host and not host.startswith("["):
        loopback_host(host, "--upstream")  # before parse_hostport, which accepts any name
    try:
        host, port = parse_hostport(text)
    except HostPortError as exc:
        raise DemoAddressError(f"--upstream: {exc}") from None
    loopback_host(host, "--upstream")
    return (LOOPBACK if host.lower() == "localhost" else host), port


def run(args) -> int:
    from ..attacks import attack
    from ..attacks import describe as describe_cert
    from ..pki import course_pki
    from .serve import stop_on_signals, watch

    name = args.ca.strip().lower()
    if name not in CAS:
        shown = args.ca if len(args.ca) <= 30 else args.ca[:27] + "..."
        raise UnknownChainError(f"there is no attacker CA {shown!r}; use one of: {', '.join(CAS)}.")
    port = parse_listen(args.listen)
    upstream = parse_upstream(args.upstream)
    scenario = attack(CAS[name])
    stop_on_signals()
    proxy = _proxy(upstream, scenario.chain(), scenario.leaf().key, [course_pki().root.cert], port)
    news = _news(proxy)
    try:
        with proxy:
            port = proxy.port
            say(f"intercepting on {LOOPBACK}:{port} for {HOST}: {scenario.title}")
            say("  certificate shown to clients: " + "; then ".join(describe_cert(c) for c in scenario.chain()))
            say(f"  real server behind it: {upstream[0]}:{upstream[1]} (the proxy validates it against "
                "yourapp-root.pem, like a careful client)")
            say(f"  a client without pins is fooled if it trusts data/certs/{TRUST_FILES[name]}.pem; a client "
                "that pins the leaf key (--pin api.yourapp.com) refuses")
            roots = "" if TRUST_FILES[name] == "yourapp-root" else f" --roots yourapp-root,{TRUST_FILES[name]}"
            say(f"  try: python -m helpers client https://{upstream[0]}:{upstream[1]}/users{roots} "
                f"--via {LOOPBACK}:{port}")
            say("press Ctrl+C to stop")
            watch(news)
    except KeyboardInterrupt:
        pass
    for line in news():  # connections that ended while stopping: the proxy has joined their threads
        say(line)
    say(f"stopped; port {port} is free again")
    return 0


def _proxy(upstream, chain, key, roots, port: int):
    """A :class:`~helpers.tls.proxy.MitmProxy` that listens on ``port`` (0: the OS picks)."""
    from ..tls.proxy import MitmProxy
    from .serve import port_taken

    class _OnPort(MitmProxy):
        def __enter__(self):
            try:
                return super().__enter__()
            except OSError as exc:
                raise port_taken(port, exc, "--listen") from None

    return _OnPort(upstream, chain=chain, key=key, upstream_roots=roots, upstream_name=HOST, listen_port=port)


def _news(proxy):
    """One report per connection that has ended, numbered in the order clients connected."""
    from ..tls.proxy import Outcome

    reported: set[int] = set()

    def events() -> list[str]:
        lines = []
        for number, record in enumerate(list(proxy.interceptions), 1):
            if number in reported or record.outcome in (Outcome.HANDSHAKE, Outcome.RELAYING):
                continue
            reported.add(number)
            lines.extend(describe(number, record))
        return lines

    return events


def describe(number: int, record) -> list[str]:
    """What the proxy saw on one connection, in plain words."""
    from ..tls.proxy import Outcome

    if record.outcome is Outcome.UPSTREAM_FAILED:
        return [f"connection {number}: the client accepted the fake certificate, but the proxy could not reach "
                f"or validate the real server ({record.detail}); is `serve` running with the genuine chain?"]
    if record.outcome is Outcome.CLIENT_REFUSED:
        why = f" ({record.detail})" if record.detail else ""
        return [f"connection {number}: the client refused the fake certificate and hung up{why}; nothing read"]
    request = record.request.decode("latin-1")
    first = request.split("\r\n", 1)[0][:120]
    lines = [f"connection {number}: INTERCEPTED: the client accepted the fake certificate; read in clear:",
             f"  request: {first}"]
    tokens = re.findall(r"(?im)^authorization:[ \t]*([^\r\n]*)", request)
    lines += [f"  Authorization: {value[:200]}" for value in tokens] or ["  no Authorization header"]
    status = record.response.decode("latin-1").split("\r\n", 1)[0][:80]
    if status:
        lines.append(f"  real server answered: {status} (copied back to the client, also read)")
    return lines
