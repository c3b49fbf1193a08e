"""``python -m helpers handshake [--tls12] [--suite S] [--fail CASE]``: a TLS handshake, decrypted."""

from __future__ import annotations

#: Kept in step with helpers.tls by a test, so that --help needs no TLS import.
SUITES = ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256")
FAILURES = ("unknown-ca", "wrong-host")


def add(sub) -> None:
    p = sub.add_parser(
        "handshake", help="step a TLS handshake on loopback and print it flight by flight, decrypted",
        description="Run a TLS handshake between two in-memory OpenSSL endpoints using the course "
                    "certificates, decrypt it with the key log, and print every flight and check.")
    p.add_argument("--tls12", action="store_true", help="cap the version at TLS 1.2 (the certificate travels in clear)")
    p.add_argument("--suite", choices=SUITES, help="force one TLS 1.3 cipher suite")
    p.add_argument("--fail", choices=FAILURES, help="show a failing handshake instead")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..tls import handshake

    if args.fail:
        result = handshake.failed_handshake(args.fail, tls12=args.tls12)
        print(f"failing handshake: {handshake.FAILURES[args.fail].title}\n")
    else:
        result = handshake.run_handshake(tls12=args.tls12, suite=args.suite)
    print(result.walk())
    return 0 if result.succeeded else 1
