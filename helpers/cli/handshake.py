"""``python -m helpers handshake [--tls12] [--suite S] [--fail CASE]``: a TLS handshake, decrypted."""

from __future__ import annotations

import argparse

from ..errors import BadInputError


class SuiteWithTLS12Error(BadInputError):
    """--suite (a TLS 1.3 suite) asked for together with --tls12."""

#: Kept in step with helpers.tls by a test, so that --help needs no TLS import.
SUITES = ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256")
FAILURES = ("unknown-ca", "wrong-host")

EPILOG = """\
--suite works with --fail too (the failing handshake then uses that suite); it cannot be combined with
--tls12, because it picks a TLS 1.3 suite.

Exit status: 0 the handshake succeeded; 1 it failed (as --fail means it to); 2 bad input, one sentence on
stderr."""


def add(sub) -> None:
    p = sub.add_parser(
        "handshake", help="step a TLS handshake on loopback and print it flight by flight, decrypted",
        description="Run a TLS handshake between two in-memory OpenSSL endpoints using the course "
                    "certificates, decrypt it with the key log, and print every flight and check.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tls12", action="store_true", help="cap the version at TLS 1.2 (the certificate travels in clear)")
    p.add_argument("--suite", choices=SUITES, help="force one TLS 1.3 cipher suite")
    p.add_argument("--fail", choices=FAILURES, help="show a failing handshake instead")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.suite and args.tls12:
        raise SuiteWithTLS12Error("--suite picks a TLS 1.3 cipher suite, so it cannot be combined with "
                                  "--tls12; drop one of them.")
    from ..pki import course_pki
    from ..tls import handshake

    if args.fail:  # failed_handshake() with the suite too: the same case, run through run_handshake
        case = handshake.FAILURES[args.fail]
        result = handshake.run_handshake(tls12=args.tls12, suite=args.suite, request=False,
                                         **case.arguments(course_pki()))
        print(f"failing handshake: {case.title}\n")
    else:
        result = handshake.run_handshake(tls12=args.tls12, suite=args.suite)
    print(result.walk())
    return 0 if result.succeeded else 1
