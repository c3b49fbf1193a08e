"""``python -m helpers lint FILE [--platform P] [--today YYYY-MM-DD] [--chain CHAIN.pem] [--json]``.

Checks a pinning configuration for the mistakes that lock users out or quietly turn pinning off:
an Android network security config, an Info.plist with NSPinnedDomains or TrustKit, Kotlin or Java
with OkHttp's CertificatePinner, or Dart. The platform is detected from the content unless
``--platform`` names it. With ``--chain`` (the chain the server serves today, leaf first), it also
says which certificate each pin matches, and fails when no pin matches at all.

Output is one line per finding, ``FILE:LINE: severity: message [Id]``, or with ``--json``
``{"platform": ..., "findings": [{"rule", "severity", "line", "message"}]}``. Exit codes: 0 no error
or fatal finding, 1 at least one, 2 the file cannot be read or is no platform configuration.
"""

from __future__ import annotations

PLATFORMS = ("android", "ios", "trustkit", "okhttp", "dart")


def add(sub) -> None:
    import argparse

    p = sub.add_parser("lint", help="check a platform pinning configuration (Android, iOS, TrustKit, OkHttp, Dart)",
                       description=__doc__.replace("``", ""), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", metavar="FILE", help="the configuration file")
    p.add_argument("--platform", choices=PLATFORMS, help="the platform (default: detected from the content)")
    p.add_argument("--today", metavar="YYYY-MM-DD", help="the date for expiry checks (default: the course clock)")
    p.add_argument("--chain", metavar="CHAIN.pem", help="the chain the server serves today, leaf first")
    p.add_argument("--json", action="store_true", help="print JSON instead of lines")
    p.set_defaults(func=run)


def run(args) -> int:
    import json

    from .. import clock
    from ..pem import load_certificates
    from ..platforms import detect, module
    from ..platforms.policy import read_config

    data = read_config(args.file)
    platform = args.platform or detect(data)
    today = clock.parse_when(args.today).date() if args.today is not None else clock.today()
    chain = load_certificates(args.chain) if args.chain else None
    mod = module(platform)
    findings = mod.lint(mod.parse(data), today, chain)
    if args.json:
        print(json.dumps({"platform": platform, "findings": [f.as_json() for f in findings]}, indent=2))
    else:
        for finding in findings:
            print(finding.text(args.file))  # main escapes control characters at the print boundary
        if not findings:
            print(f"{args.file}: no findings ({platform})")
    return 1 if any(f.severity.fails for f in findings) else 0

