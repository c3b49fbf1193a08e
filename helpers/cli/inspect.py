"""``python -m helpers inspect FILE``: every field of each certificate in a PEM file."""

from __future__ import annotations


def add(sub) -> None:
    p = sub.add_parser("inspect", help="print every field of each certificate in a PEM file")
    p.add_argument("file", help="a PEM file with one or more certificates")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..anatomy import anatomy
    from ..pem import load_certificates

    certs = load_certificates(args.file)
    for number, cert in enumerate(certs, 1):
        if len(certs) > 1:
            print(f"--- certificate {number} of {len(certs)} ---")
        print(anatomy(cert))
    return 0
