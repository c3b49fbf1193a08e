"""``python -m helpers inspect FILE``: every field of each certificate in a PEM file."""

from __future__ import annotations

import argparse

EPILOG = """\
A field that cannot be read (a malformed SAN or Key Usage, a name that is not valid UTF-8, a key of an
unknown algorithm or curve) is marked in the table, and the certificate is rejected with the reason.

Exit status: 0 every certificate was read; 1 a certificate the course cannot read (the reason on
stderr, the rest of its table on stdout); 2 bad input (no file, not PEM), one sentence on stderr."""


def add(sub) -> None:
    p = sub.add_parser("inspect", help="print every field of each certificate in a PEM file",
                       description="Print every field of each certificate in a PEM file.", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", help="a PEM file with one or more certificates")
    p.set_defaults(func=run)


def rejection(problems: list[tuple[int, str]], count: int) -> str:
    """One sentence for the certificates that cannot be read: the first problem, and how many more."""
    number, first = problems[0]
    where = f"certificate {number} of {count}: " if count > 1 else ""
    others = len(problems) - 1
    more = f" (and {others} more problem{'s' if others > 1 else ''})" if others else ""
    return f"rejected: {where}{first}{more}."


def run(args) -> int:
    import sys

    from ..anatomy import anatomy
    from ..pem import load_certificates

    certs = load_certificates(args.file)
    problems = []
    for number, cert in enumerate(certs, 1):
        if len(certs) > 1:
            print(f"--- certificate {number} of {len(certs)} ---")
        table = anatomy(cert)
        print(table)
        problems += [(number, problem) for problem in table.problems]
    if problems:
        print(rejection(problems, len(certs)), file=sys.stderr)
        return 1
    return 0
