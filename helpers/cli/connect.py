"""``python -m helpers connect HOST:PORT [--servername N] [--roots R.pem] [--pin PIN ...]``.

A real TLS connection, checked the way the course's pinned client checks it: CA validation
first, then the pins against the verified chain. It uses the real clock, not the course clock,
because the server is real.
"""

from __future__ import annotations

from ..errors import BadInputError


class HostPortError(BadInputError):
    """A target that is not HOST:PORT."""


def add(sub) -> None:
    p = sub.add_parser("connect", help="make a real TLS connection and check it (and its pins)")
    p.add_argument("target", metavar="HOST:PORT", help="where to connect, e.g. api.yourapp.com:443")
    p.add_argument("--servername", help="the name to validate (SNI); default: HOST")
    p.add_argument("--roots", help="PEM file of trusted roots; default: certifi's Mozilla bundle")
    p.add_argument("--pin", action="append", metavar="PIN",
                   help="an SPKI pin, raw base64 or sha256/...; repeat for a backup pin")
    p.set_defaults(func=run)


def parse_hostport(text: str) -> tuple[str, int]:
    """``"example.com:443"`` or ``"[::1]:8443"`` -> (host, port); :class:`HostPortError` otherwise."""
    host, sep, port = str(text).strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise HostPortError(f"{text!r} is not HOST:PORT; write it like api.yourapp.com:443 or 127.0.0.1:8443.")
    return host, int(port)


def run(args) -> int:
    import datetime as _dt

    from ..pem import load_certificates, short_name
    from ..pinning.client import CaClient, PinnedClient, Refused, connected_chain
    from ..pinning.pins import Pin, parse_pin
    from ..show import Table
    from ..trust_store import load_roots

    host, port = parse_hostport(args.target)
    servername = args.servername or host
    roots = load_certificates(args.roots) if args.roots else list(load_roots())
    pins = [parse_pin(p) for p in args.pin or []]
    real_now = _dt.datetime.now(_dt.UTC)  # a real server, so the real clock, not the course clock
    client = PinnedClient(pins, roots, at=real_now) if pins else CaClient(roots)
    try:
        sock = client.connect(host, port, servername)
    except Refused as why:
        print(f"refused: {why.reason}")
        return 1
    with sock:
        chain = connected_chain(sock, roots, servername, real_now)
        print(f"connected to {servername} at {host}:{port} ({sock.version()}), chain validated")
        print(Table(("#", "certificate", "SPKI pin"),
                    [(str(i), short_name(cert), f"sha256/{Pin.of_spki(cert).base64}") for i, cert in enumerate(chain)]))
        for index, pin in (client.pins.matching(chain) if pins else []):
            print(f"pin matched: certificate {index} ({pin.kind}) sha256/{pin.base64}")
    return 0
