"""``python -m helpers verify CHAIN.pem --host NAME [--roots ROOTS.pem] [--at WHEN] [--compare]``.

CHAIN.pem holds the leaf first, then any intermediates (what a server sends). The roots
default to certifi's bundle, Mozilla's root store. The command prints the step report and
exits 0 when the chain is valid, 1 when it is not, and 2 on bad input (one sentence).
"""

from __future__ import annotations

from pathlib import Path

from ..clock import COURSE_NOW


def add(sub) -> None:
    p = sub.add_parser("verify", help="validate a certificate chain step by step, explaining each check",
                       description=__doc__.splitlines()[0])
    p.add_argument("chain", metavar="CHAIN.pem", help="PEM file: the leaf first, then any intermediates")
    p.add_argument("--host", required=True, help="the host name (or IP address) the client connects to")
    p.add_argument("--roots", metavar="ROOTS.pem", help="trusted roots (default: certifi's Mozilla bundle)")
    p.add_argument("--at", metavar="WHEN", help="validation time, ISO 8601 (UTC when no zone is given; "
                   f"default: the course clock, {COURSE_NOW:%Y-%m-%dT%H:%MZ})")
    p.add_argument("--compare", action="store_true",
                   help="also show cryptography's and OpenSSL's verdicts on the same chain")
    p.set_defaults(func=run)


def run(args) -> int:
    from .. import clock
    from ..pem import load_certificates
    from ..trust_store import load_roots
    from ..validation.validator import explain

    chain = load_certificates(args.chain)
    roots = load_certificates(args.roots) if args.roots else list(load_roots())
    at = clock.parse_when(args.at) if args.at else clock.now()
    leaf, intermediates = chain[0], chain[1:]
    if not args.compare:
        report = explain(leaf, intermediates, roots, args.host, at)
        print(report.text())
        return 0 if report.valid else 1
    from ..validation.compare import Comparisons, compare

    result = compare(leaf, intermediates, roots, args.host, at, name=Path(args.chain).name)
    print(result.report.text())
    print(f"\n{Comparisons((result,)).text()}")
    return 0 if result.report.valid else 1
