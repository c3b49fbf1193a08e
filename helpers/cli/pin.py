"""``python -m helpers pin FILE [--format F] [--cert]``: the pin of each certificate in a PEM file."""

from __future__ import annotations

from ..pinning.pins import FORMATS, Pin


def add(sub) -> None:
    p = sub.add_parser("pin", help="print the SPKI pin (or certificate pin) of each certificate in a PEM file")
    p.add_argument("file", help="a PEM file with one or more certificates")
    p.add_argument("--format", choices=FORMATS, default="raw", help="how to spell the pin (default: raw)")
    p.add_argument("--cert", action="store_true", help="hash the whole certificate instead of its SPKI")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..pem import load_certificates

    for cert in load_certificates(args.file):
        pin = Pin.of_cert(cert) if args.cert else Pin.of_spki(cert)
        print(pin.format(args.format))
    return 0
