"""``python -m helpers make-certs [--out DIR]``: regenerate data/certs/ byte-identically."""

from __future__ import annotations

from pathlib import Path

from ..course import CERTS_DIR


def add(sub) -> None:
    p = sub.add_parser("make-certs", help="regenerate the course PKI in data/certs/ (byte-identical)")
    p.add_argument("--out", type=Path, default=CERTS_DIR,
                   help="folder to write into (default: the course's data/certs/)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..pki.files import write_course_certs

    written = write_course_certs(args.out)
    where = "data/certs/" if Path(args.out).resolve() == CERTS_DIR else args.out
    print(f"wrote {len(written)} files to {where}")
    return 0
