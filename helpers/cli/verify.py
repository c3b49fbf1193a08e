"""``python -m helpers verify CHAIN.pem --host NAME [--roots ROOTS.pem] [--at WHEN] [--compare]``.

CHAIN.pem holds the leaf first, then any intermediates (what a server sends). The roots
default to certifi's bundle, Mozilla's root store. The command prints the step report and
exits 0 when the chain is valid, 1 when it is not, and 2 on bad input (one sentence).
A certificate the course cannot parse, a host name no certificate can match (one with an
underscore) and a path search that hits its work limit are verdicts: exit 1, with the reason.
Text from the certificates is printed with control characters escaped.
"""

from __future__ import annotations

from pathlib import Path

from ..clock import COURSE_NOW

EPILOG = ("exit status: 0 the chain is valid; 1 it is not (the report names the failing step: also for a "
          "certificate that cannot be parsed, a host name with an underscore, or a path search that hit "
          "its limit); 2 the input cannot be used (one sentence on stderr).")


def add(sub) -> None:
    p = sub.add_parser("verify", help="validate a certificate chain step by step, explaining each check",
                       description=__doc__.splitlines()[0], epilog=EPILOG)
    p.add_argument("chain", metavar="CHAIN.pem", help="PEM file: the leaf first, then any intermediates")
    p.add_argument("--host", required=True, help="the host name (or IP address) the client connects to")
    p.add_argument("--roots", metavar="ROOTS.pem", help="trusted roots (default: certifi's Mozilla bundle)")
    p.add_argument("--at", metavar="WHEN", help="validation time, ISO 8601 (UTC when no zone is given; "
                   f"default: the course clock, {COURSE_NOW:%Y-%m-%dT%H:%MZ})")
    p.add_argument("--compare", action="store_true",
                   help="also show cryptography's, OpenSSL's and OpenSSL -x509_strict's verdicts")
    p.set_defaults(func=run)


def run(args) -> int:
    from .. import clock
    from ..pem import load_certificates
    from ..show import printable
    from ..trust_store import load_roots
    from ..validation.validator import explain

    chain = load_certificates(args.chain)
    roots = load_certificates(args.roots) if args.roots else list(load_roots())
    at = clock.parse_when(args.at) if args.at is not None else clock.now()
    leaf, intermediates = chain[0], chain[1:]
    if not args.compare:
        report = explain(leaf, intermediates, roots, args.host, at)
        show(report.text(), printable)
        return 0 if report.valid else 1
    from ..validation.compare import Comparisons, compare

    result = compare(leaf, intermediates, roots, args.host, at, name=Path(args.chain).name)
    show(result.report.text(), printable)
    show(f"\n{Comparisons((result,)).text()}", printable)
    return 0 if result.report.valid else 1


def show(text: str, printable) -> None:
    """Print ``text`` line by line with control characters escaped (names come from certificates)."""
    print("\n".join(printable(line) for line in text.split("\n")))
