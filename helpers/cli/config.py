"""``python -m helpers config PLATFORM POLICY.json``: one pin set, written as a platform's configuration.

PLATFORM is android, ios, trustkit, okhttp or dart. POLICY.json is the platform-neutral policy::

    {"domains": [{"name": "api.example.com",
                  "include_subdomains": false,
                  "pins": ["<base64 SPKI SHA-256>", "<a backup pin>"],
                  "expiration": "2027-06-01"}],
     "enforce": true}

``expiration`` and ``enforce`` are optional (``enforce`` defaults to true). A pin may also be
written ``{"pin": "<base64>", "role": "ca"}`` or ``"leaf"``: iOS keeps CA and leaf pins apart
(a pin without a role is a leaf identity there), and Dart pins by trust anchor, which needs your
CA's certificate. The configuration goes to standard output. Exit codes: 0 printed, 2 bad input
(one sentence on standard error).
"""

from __future__ import annotations

PLATFORMS = ("android", "ios", "trustkit", "okhttp", "dart")


def add(sub) -> None:
    import argparse

    p = sub.add_parser("config", help="write one pin set as an Android, iOS, TrustKit, OkHttp or Dart configuration",
                       description=__doc__.replace("``", ""), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("platform", choices=PLATFORMS, help="the platform to write for")
    p.add_argument("policy", metavar="POLICY.json", help="the platform-neutral policy (shape above)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..platforms import module, policy_from_json
    from ..platforms.policy import read_config

    print(module(args.platform).generate(policy_from_json(read_config(args.policy))), end="")
    return 0
