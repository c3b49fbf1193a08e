"""``python -m helpers connect HOST:PORT [--servername N] [--roots R.pem] [--pin PIN ...] [--timeout S]``.

A real TLS connection, checked the way the course's pinned client checks it: CA validation
first, then the pins against the verified chain. It uses the real clock, not the course clock,
because the server is real.

It resolves HOST and dials whatever address that gives, on any network: that is its job when a
team checks its own server. Every course demo runs it against a server on loopback. The
address it dialled is printed, so a surprise in DNS shows.

Exit codes separate a verdict from a failure to get one: 1 only when the server was reached and
its certificate or pins were refused (on stdout, like a success); 2 when the check could not run
(bad input, a name that does not resolve, a closed port, a server that does not speak TLS, a
timeout), as one sentence on stderr.
"""

from __future__ import annotations

import argparse
import ipaddress
import math
import re

from ..errors import BadInputError, CourseError

#: Seconds the whole check may take, connection and handshake together, unless --timeout says otherwise.
TIMEOUT = 3.0


class HostPortError(BadInputError):
    """A target that is not HOST:PORT, or a host or server name no DNS could hold."""


class TimeoutValueError(BadInputError):
    """A --timeout that is not a number of seconds between 0 and 300."""


class CouldNotConnectError(CourseError):
    """The check could not run: the name did not resolve, nothing answered, or the server is not TLS."""


EPILOG = f"""\
Scope: connect resolves and dials any host you give it, on any network: right for checking your own
server (api.yourapp.com:443). Every course demo stays on loopback (127.0.0.1). It prints the address it
resolved and dialled.

Exit status:
  0 connected: the chain validated (and a pin matched, with --pin)
  1 refused: the server was reached, and its certificate failed validation or no pin matched (stdout)
  2 could not run: bad input, a name that does not resolve, a closed port, a server that does not
    speak TLS, or no answer within --timeout ({TIMEOUT:g} s for connecting and the handshake together, by
    default); one sentence on stderr"""

#: One DNS label (RFC 1035, with the underscore some real names use): letters, digits, '-', '_'.
_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")


def add(sub) -> None:
    p = sub.add_parser("connect", help="make a real TLS connection and check it (and its pins)",
                       description="Make a real TLS connection to HOST:PORT and check it the way the course's\n"
                                   "pinned client does: CA validation first, then the pins against the verified "
                                   "chain.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", metavar="HOST:PORT",
                   help="where to connect, e.g. api.yourapp.com:443 or [::1]:8443")
    p.add_argument("--servername", help="the name to validate (SNI); default: HOST")
    p.add_argument("--roots", help="PEM file of trusted roots; default: certifi's Mozilla bundle")
    p.add_argument("--pin", action="append", metavar="PIN",
                   help="an SPKI pin, raw base64 or sha256/...; repeat for a backup pin")
    p.add_argument("--timeout", metavar="SECONDS", default=str(TIMEOUT),
                   help="how long to wait for the connection and the TLS handshake together "
                        f"(default: {TIMEOUT:g})")
    p.set_defaults(func=run)


# --- input ------------------------------------------------------------------------------------------

def check_host(text: str, what: str = "HOST") -> str:
    """``text`` if it is an IP address or a name DNS could hold (labels of 1-63 characters, 253 in all);
    :class:`HostPortError` naming the problem otherwise. International names are checked in their
    xn-- form."""
    if not text.strip():
        raise HostPortError(f"{what} is empty; give a host name such as api.yourapp.com or an address.")
    try:
        ipaddress.ip_address(text)
        return text
    except ValueError:
        pass
    shown = text if len(text) <= 40 else text[:37] + "..."
    try:
        ascii_name = text.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_name = text if text.isascii() else ""
    name = ascii_name.removesuffix(".")
    if not ascii_name:
        problem = "an international name that does not convert to its xn-- form"
    elif len(name) > 253:
        problem = f"longer than 253 characters ({len(name)})"
    elif any(label == "" for label in name.split(".")):
        problem = "an empty label (two dots in a row, or a dot at the start)"
    elif any(len(label) > 63 for label in name.split(".")):
        problem = "a label longer than 63 characters"
    elif any(label.startswith("-") or label.endswith("-") for label in name.split(".")):
        problem = "a label that starts or ends with '-'"
    elif not all(_LABEL.fullmatch(label) for label in name.split(".")):
        problem = "a character other than letters, digits, '-' and '_'"
    else:
        return text
    raise HostPortError(f"{what} {shown!r} is not a host name DNS could hold: it has {problem}; check the "
                        "spelling.")


def parse_hostport(text: str) -> tuple[str, int]:
    """``"example.com:443"`` or ``"[::1]:8443"`` -> (host, port); :class:`HostPortError` otherwise."""
    text = str(text).strip()
    host, sep, port = text.rpartition(":")
    if not sep or not host or not re.fullmatch(r"[0-9]{1,5}", port) or not 0 < int(port) < 65536:
        raise HostPortError(f"{text!r} is not HOST:PORT; write it like api.yourapp.com:443 or "
                            "127.0.0.1:8443.")
    bracketed = host.startswith("[") and host.endswith("]")
    if bracketed != (":" in host):  # brackets are for an IPv6 address, and an IPv6 address needs them
        raise HostPortError(f"{text!r} is not HOST:PORT; put an IPv6 address (and only one) in brackets, "
                            "like [::1]:8443.")
    if bracketed:
        host = host[1:-1]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise HostPortError(f"{host!r} in brackets is not an IPv6 address; write one like [::1]:8443, "
                                "or a name without brackets.") from None
    return check_host(host), int(port)


def parse_timeout(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds <= 300:  # also refuses nan
        raise TimeoutValueError(f"--timeout {text!r} is not a number of seconds between 0 and 300; write it "
                                "like --timeout 5.")
    return seconds


# --- the network ------------------------------------------------------------------------------------

def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, in the order the system prefers; :class:`CouldNotConnectError`."""
    import socket

    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise CouldNotConnectError(f"could not run: the name {host!r} does not resolve to an address; check "
                                   "the spelling, or give an IP address.") from None
    return list(dict.fromkeys(address[4][0] for address in found))


def _handshake_failure(exc, where: str) -> CouldNotConnectError:
    """The one sentence for a handshake that failed before any certificate could be judged."""
    reason = (getattr(exc, "reason", None) or "").lower().replace("_", " ")
    if reason in ("wrong version number", "record layer failure", "packet length too long", "http request",
                  "unknown protocol"):
        return CouldNotConnectError(f"could not run: {where} answered, but does not speak TLS (OpenSSL: "
                                    f"{reason}); check the port, or whether it serves plain HTTP.")
    if isinstance(exc, ConnectionError) or "eof" in reason:
        return CouldNotConnectError(f"could not run: {where} closed the connection during the TLS handshake; "
                                    "check that it is a TLS server and that it accepts this client.")
    detail = f" (OpenSSL: {reason})" if reason else ""
    return CouldNotConnectError(f"could not run: the TLS handshake with {where} failed before any "
                                f"certificate could be checked{detail}; check the port and the server's TLS "
                                "settings.")


def open_tls(context, addresses: list[str], port: int, servername: str, timeout: float, dialled=None):
    """A TLS socket to the first of ``addresses`` that answers; ``dialled(address)`` is called once one does.

    A refused certificate raises ``ssl.SSLCertVerificationError`` (a verdict, for the caller);
    anything that stops the check from running raises :class:`CouldNotConnectError`.
    """
    import socket
    import ssl
    import time

    deadline = time.monotonic() + timeout
    last = None
    for address in addresses:
        where = f"{address} port {port}"
        if deadline - time.monotonic() <= 0:
            break
        try:
            raw = socket.create_connection((address, port), timeout=deadline - time.monotonic())
        except TimeoutError:
            last = CouldNotConnectError(f"could not run: {where} did not answer within {timeout:g} s; check "
                                        "the address and any firewall, or raise --timeout.")
            continue
        except ConnectionRefusedError:
            last = CouldNotConnectError(f"could not run: nothing is listening on {where} (the connection was "
                                        "refused); check the port and that the server is running.")
            continue
        except OSError as exc:
            why = (exc.strerror or "the network refused the connection").lower()
            last = CouldNotConnectError(f"could not run: could not reach {where} ({why}); check the address "
                                        "and your network.")
            continue
        if dialled:
            dialled(address)
        try:
            raw.settimeout(max(deadline - time.monotonic(), 0.01))
            return context.wrap_socket(raw, server_hostname=servername)
        except ssl.SSLCertVerificationError:
            raise
        except TimeoutError:
            raise CouldNotConnectError(f"could not run: {where} accepted the connection but did not answer "
                                       f"the TLS handshake within {timeout:g} s; check that it is a TLS "
                                       "server, or raise --timeout.") from None
        except (ssl.SSLError, OSError) as exc:
            raise _handshake_failure(exc, where) from None
        finally:
            raw.close()  # wrap_socket took over the descriptor; this only closes on failure
    raise last or CouldNotConnectError(f"could not run: {addresses[0]} port {port} did not answer within "
                                       f"{timeout:g} s; check the address and any firewall, or raise "
                                       "--timeout.")


# --- the command --------------------------------------------------------------------------------------

def run(args) -> int:
    import datetime as _dt
    import ssl

    from ..pem import load_certificates
    from ..pinning.client import CaClient, PinnedClient, Refused, check_pins, connected_chain
    from ..pinning.pins import parse_pin
    from ..show import Table
    from ..trust_store import load_roots

    host, port = parse_hostport(args.target)
    if args.servername is not None and not args.servername.strip():
        raise HostPortError("--servername is empty; give the name to validate, or leave it out to use HOST.")
    servername = check_host(args.servername, "--servername") if args.servername is not None else host
    timeout = parse_timeout(args.timeout)
    roots = load_certificates(args.roots) if args.roots else list(load_roots())
    pins = [parse_pin(p) for p in args.pin or []]
    real_now = _dt.datetime.now(_dt.UTC)  # a real server, so the real clock, not the course clock
    client = PinnedClient(pins, roots, at=real_now) if pins else CaClient(roots)
    dialled = []

    def say_where(address: str) -> None:
        dialled.append(address)
        if address != host:
            print(f"resolved {host} to {address}")

    try:
        sock = open_tls(client.context, resolve(host, port), port, servername, timeout, say_where)
    except ssl.SSLCertVerificationError as exc:
        print(f"refused: certificate validation failed: {exc.verify_message}")
        return 1
    with sock:
        try:
            if pins:
                chain = client.chain_of(sock, servername)
                matches = check_pins(client.pins, chain, at=real_now)
            else:
                chain, matches = connected_chain(sock, client.roots, servername, real_now), []
        except Refused as why:
            print(f"refused: {why.reason}")
            return 1
        print(f"connected to {servername} at {dialled[-1]} port {port} ({sock.version()}), chain validated")
        rows = [(str(i), _name(cert), _pin(cert)) for i, cert in enumerate(chain)]
        print(Table(("#", "certificate", "SPKI pin"), rows))
        for index, pin in matches:
            print(f"pin matched: certificate {index} ({pin.kind}) sha256/{pin.base64}")
    return 0


def _name(cert) -> str:
    """The certificate's short name, even when cryptography cannot decode it (OpenSSL accepted it)."""
    from ..pem import short_name

    try:
        return short_name(cert)
    except ValueError:  # a name that is not valid UTF-8, say
        return "(unreadable name)"


def _pin(cert) -> str:
    """The certificate's SPKI pin, or a note when cryptography cannot read its key."""
    from cryptography.exceptions import UnsupportedAlgorithm

    from ..pinning.pins import Pin

    try:
        return f"sha256/{Pin.of_spki(cert).base64}"
    except (UnsupportedAlgorithm, ValueError):
        return "(key unreadable here)"
