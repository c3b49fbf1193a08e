"""``python -m helpers pin FILE [--format F] [--cert]``: the pin of each certificate in a PEM file."""

from __future__ import annotations

import argparse

from ..pinning.pins import FORMATS, Pin

EPILOG = """\
Exit status: 0 one pin per certificate on stdout; 1 a certificate whose key the course cannot use (an
unknown algorithm or curve, explicit curve parameters): the pins of the others on stdout, the reason on
stderr; 2 bad input (no file, not PEM, a format that cannot spell the pin), one sentence on stderr."""


def add(sub) -> None:
    what = "the SPKI pin (or certificate pin) of each certificate in a PEM file"
    p = sub.add_parser("pin", help=f"print {what}", description=f"Print {what}.", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", help="a PEM file with one or more certificates")
    p.add_argument("--format", choices=FORMATS, default="raw", help="how to spell the pin (default: raw)")
    p.add_argument("--cert", action="store_true", help="hash the whole certificate instead of its SPKI")
    p.set_defaults(func=run)


def run(args) -> int:
    import sys

    from ..anatomy import key_problem
    from ..pem import load_certificates
    from .inspect import rejection

    certs = load_certificates(args.file)
    problems = []
    for number, cert in enumerate(certs, 1):
        problem = None if args.cert else key_problem(cert)  # a certificate pin needs only the bytes
        if problem:
            problems.append((number, problem))
            continue
        pin = Pin.of_cert(cert) if args.cert else Pin.of_spki(cert)
        print(pin.format(args.format))
    if problems:
        print(rejection(problems, len(certs)), file=sys.stderr)
        return 1
    return 0
