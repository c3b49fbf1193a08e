"""``python -m helpers model FILE --host HOST --chain CHAIN.pem [--roots R.pem] [--user-roots U.pem] [--at WHEN]``.

Runs the platform's documented pinning rules on one connection: which rule of FILE matches HOST,
whether the chain the server sends (CHAIN.pem, leaf first) validates against the roots the
platform trusts, whether pinning applies (expiry, overrides), and whether a pin matches the chain
the platform built. ``--roots`` defaults to certifi's bundle (Mozilla's roots); ``--user-roots``
are CA certificates the user installed on the device; ``--at`` defaults to the course clock.
Exit codes: 0 the app would connect, 1 it would refuse, 2 bad input (one sentence).
"""

from __future__ import annotations

PLATFORMS = ("android", "ios", "trustkit", "okhttp", "dart")


def add(sub) -> None:
    import argparse

    p = sub.add_parser("model", help="would the app connect? a platform's pinning rules on one host and chain",
                       description=__doc__.replace("``", ""), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", metavar="FILE", help="the platform configuration file")
    p.add_argument("--host", required=True, help="the host name the app connects to")
    p.add_argument("--chain", required=True, metavar="CHAIN.pem", help="the chain the server sends, leaf first")
    p.add_argument("--roots", metavar="ROOTS.pem", help="the device's system roots (default: certifi's bundle)")
    p.add_argument("--user-roots", metavar="USER.pem", help="CA certificates the user installed")
    p.add_argument("--at", metavar="WHEN", help="the time, ISO 8601 (default: the course clock)")
    p.add_argument("--platform", choices=PLATFORMS, help="the platform (default: detected from the content)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def run(args) -> int:
    import json

    from .. import clock
    from ..pem import load_certificates
    from ..platforms import detect, module
    from ..platforms.policy import read_config
    from ..trust_store import load_roots
    from ..validation.names import parse_host

    parse_host(args.host)  # one clear sentence for a malformed host name
    data = read_config(args.file)
    platform = args.platform or detect(data)
    mod = module(platform)
    policy = mod.parse(data)
    chain = load_certificates(args.chain)
    roots = load_certificates(args.roots) if args.roots else list(load_roots())
    user_roots = load_certificates(args.user_roots) if args.user_roots else []
    at = clock.parse_when(args.at) if args.at is not None else clock.now()
    decision = mod.model(policy, args.host, chain, roots, user_roots, at)
    print(json.dumps(decision.as_json(), indent=2) if args.json else decision.text())  # main escapes it
    return 0 if decision.connects else 1
