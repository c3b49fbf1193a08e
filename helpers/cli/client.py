"""``python -m helpers client URL [--roots R,...] [--pin PIN ...] [--via HOST:PORT] [--token T]``.

The terminal demo kit's app: what a phone app does when it calls the course's API. It dials
the URL's loopback address (or the proxy named by ``--via``, as if the network had sent the
app there), asks for api.yourapp.com (SNI and the hostname check), validates the chain against
the roots it was given, checks its pins against the *verified* chain, and only then sends
``GET`` with its bearer token. Each step is printed in plain words: validated? pin matched?
token sent or withheld?

It is :class:`helpers.pinning.client.CaClient` or :class:`~helpers.pinning.client.PinnedClient`
with :func:`helpers.pinning.client.fetch`, as in lessons 05 and 06, under the real clock.

Exit codes: 0 the app accepted the server and got an HTTP answer; 1 the app refused the server
(validation or pins; the token was withheld); 2 could not run (a bad URL, pin or roots file, a
non-loopback address, nothing listening, a server that does not speak TLS or HTTP).
"""

from __future__ import annotations

import argparse
import re
from urllib.parse import urlsplit

from ..course import HOST, LOOPBACK
from ..errors import BadInputError, CourseError
from .connect import _name
from .serve import DemoAddressError, loopback_host, say


class NotListeningError(CourseError):
    """Nothing answered at the address the client dialled, or not in TLS and HTTP."""


class RootsError(BadInputError):
    """A --roots entry that is neither a course certificate's name nor a PEM file."""


EPILOG = f"""\
URL: https://127.0.0.1:PORT/PATH (or localhost, or {HOST}, which is dialled at 127.0.0.1 as if
DNS pointed at this laptop). The app always asks for {HOST}: that is the name it validates.

--roots: the device's trust store, as course certificate names (data/certs/<name>.pem, such as
yourapp-root or corporate-proxy-ca) or PEM files, separated by commas or repeated; default:
yourapp-root. --pin: an SPKI pin (sha256/... or raw base64) or a course certificate's name, whose
SPKI pin is used (e.g. --pin api.yourapp.com --pin api.yourapp.com-backup); repeat for a backup pin.

Exit status:
  0 the app accepted the server and sent its request (the HTTP status is printed)
  1 the app refused the server: validation failed or no pin matched; the token was withheld
  2 could not run: a bad URL, pin or roots, a non-loopback address, nothing listening, a server that
    does not speak TLS or HTTP (one sentence on stderr)"""


def add(sub) -> None:
    p = sub.add_parser("client", help="act as the app: validate, check pins, send or withhold the token (demo kit)",
                       description="Call the course's API the way an app does, and say at each step what it\n"
                                   "decides: validated? pin matched? token sent or withheld?",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("url", metavar="URL", help="e.g. https://127.0.0.1:8443/users")
    p.add_argument("--roots", action="append", metavar="ROOTS",
                   help="trusted roots: course names or PEM files (default: yourapp-root)")
    p.add_argument("--pin", action="append", metavar="PIN",
                   help="an SPKI pin or a course certificate's name; repeat for a backup pin")
    p.add_argument("--via", metavar="HOST:PORT", help="dial this loopback proxy instead (`mitm --listen`)")
    p.add_argument("--token", help="the bearer token to send (default: the course API's)")
    p.set_defaults(func=run)


# --- input ------------------------------------------------------------------------------------------

def parse_url(text: str) -> tuple[str, int, str]:
    """``https://HOST:PORT/PATH`` on loopback -> (address to dial, port, path)."""
    shown = text if len(text) <= 60 else text[:57] + "..."
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme != "https" or not parts.hostname:
        raise DemoAddressError(f"{shown!r} is not an https:// URL; write it like https://127.0.0.1:8443/users.")
    if port is None:
        raise DemoAddressError(f"{shown!r} has no port; the demo servers listen on one, so write it like "
                               "https://127.0.0.1:8443/users.")
    host = parts.hostname
    if host != HOST.lower():
        loopback_host(host, "the URL's host")
    address = LOOPBACK if host in (HOST.lower(), "localhost") else host
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    return address, port, path


def course_certificate(name: str):
    """The course certificate ``data/certs/<name>.pem`` by its name (None if there is none)."""
    from ..pki import course_pki

    stem = name.strip().removesuffix(".pem")
    for entry in course_pki().entries:
        if entry.stem == stem:
            return entry.cert if entry.cert is not None else entry.key.public_key()
    return None


def read_roots(values: list[str] | None) -> list:
    """The trust store: course certificate names or PEM files, comma-separated or repeated."""
    from ..pem import load_certificates

    roots = []
    for item in [part.strip() for value in values or ["yourapp-root"] for part in value.split(",")]:
        if not item:
            raise RootsError("--roots has an empty entry; give course names (yourapp-root) or PEM files, "
                             "separated by commas.")
        cert = course_certificate(item)
        if cert is not None and hasattr(cert, "subject"):
            roots.append(cert)
        elif cert is not None:
            raise RootsError(f"{item!r} is a key, not a certificate; a trust store holds certificates.")
        else:
            roots.extend(load_certificates(item))
    return roots


def read_pins(values: list[str] | None) -> list:
    from ..pinning.pins import Pin, parse_pin

    pins = []
    for value in values or []:
        known = course_certificate(value) if value.strip() else None
        pins.append(Pin.of_spki(known) if known is not None else parse_pin(value))
    return pins


# --- the app ----------------------------------------------------------------------------------------

class _Narrated:
    """The app's TLS client, saying what it decides: validation first, then the pins (verified chain)."""

    def __init__(self, client, pins: list, at):
        self.client, self.pins, self.at = client, pins, at

    def connect(self, host: str, port: int, servername: str):
        from ..pinning.client import CaClient, check_pins, connected_chain

        sock = CaClient.connect(self.client, host, port, servername)  # raises Refused
        try:
            chain = connected_chain(sock, self.client.roots, servername, self.at)
            say(f"validated: the chain is trusted for {servername} ({sock.version()}): "
                + " <- ".join(_name(cert) for cert in chain))
            if self.pins:
                matches = check_pins(self.client.pins, chain, at=self.at)
                for index, pin in matches:
                    say(f"pin matched: certificate {index} ({_name(chain[index])}), sha256/{pin.base64}")
            else:
                say("pins: none configured, so the app trusts whatever its trust store trusts")
        except BaseException:
            sock.close()
            raise
        return sock


def run(args) -> int:
    import datetime as _dt

    from ..pinning.client import CaClient, PinnedClient, Refusal, Refused, fetch
    from ..tls.api import API_TOKEN
    from .mitm import parse_upstream

    address, port, path = parse_url(args.url)
    dial = (address, port)
    if args.via is not None:
        try:
            dial = parse_upstream(args.via)
        except DemoAddressError as exc:
            raise DemoAddressError(str(exc).replace("--upstream", "--via")) from None
    roots, pins = read_roots(args.roots), read_pins(args.pin)
    token = API_TOKEN if args.token is None else args.token
    if not token.strip() or any(c in token for c in "\r\n"):
        raise BadInputError("--token is empty or holds a line break; give the token on one line.")
    now = _dt.datetime.now(_dt.UTC)  # real sockets, so the real clock (course certificates last until 2045)
    client = PinnedClient(pins, roots, at=now) if pins else CaClient(roots)
    if args.via is not None:
        say(f"dialling {dial[0]}:{dial[1]} (--via: as if the network sent {HOST} there) and asking for {HOST}")
    else:
        say(f"dialling {dial[0]}:{dial[1]} and asking for {HOST} (SNI and the hostname check)")
    say("trust store: " + ", ".join(_name(cert) for cert in roots))
    if pins:
        say("pins: " + ", ".join(f"sha256/{pin.base64}" for pin in pins))
    try:
        response = fetch(_Narrated(client, pins, now), dial[0], dial[1], token=token, path=path, servername=HOST)
    except Refused as why:
        if why.kind is Refusal.UNREACHABLE:
            raise NotListeningError(f"could not run: nothing answered at {dial[0]}:{dial[1]}; start it "
                                    "(`python -m helpers serve` or `mitm`) or check the port.") from None
        if why.kind is Refusal.NOT_HTTP:
            say(f"token: SENT (Authorization: Bearer {token}), but no HTTP answer came back")
            raise NotListeningError(f"could not run: {dial[0]}:{dial[1]} accepted the TLS connection but did "
                                    "not answer with HTTP; is it the course's API (`serve`)?") from None
        if why.kind is Refusal.HANDSHAKE:
            reason = re.sub(r"\[Errno \d+\]\s*", "", why.reason).lower()
            raise NotListeningError(f"could not run: {reason} at {dial[0]}:{dial[1]} before any certificate "
                                    "was judged; is it a TLS server (`serve` or `mitm`)?") from None
        say(f"refused: {why.reason}")
        say("token: WITHHELD: the app hung up before sending any request")
        return 1
    say(f"token: SENT (Authorization: Bearer {token}); whoever holds the other end can read it")
    body = response.json if response.json is not None else ""
    shown = str(body) if len(str(body)) <= 200 else str(body)[:197] + "..."
    say(f"answer: HTTP {response.status} {shown}")
    return 0
