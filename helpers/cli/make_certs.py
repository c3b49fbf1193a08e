"""``python -m helpers make-certs [--out DIR] [--force]``: regenerate data/certs/ byte-identically."""

from __future__ import annotations

from pathlib import Path

from ..course import CERTS_DIR


def add(sub) -> None:
    p = sub.add_parser(
        "make-certs", help="regenerate the course PKI in data/certs/ (byte-identical)",
        description="Write the course PKI (certificates, toy keys, README.md and a .course-certs marker) "
                    "into a folder. It writes only into a new or empty folder, or one it wrote before "
                    "(the marker says so); it never deletes a file.")
    p.add_argument("--out", default=str(CERTS_DIR), metavar="DIR",
                   help="folder to write into (default: the course's data/certs/)")
    p.add_argument("--force", action="store_true",
                   help="write into a folder that holds other files: the course's own file names there are "
                        "overwritten, every other file is left alone (never deleted)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..pki.files import write_course_certs
    from ..show import printable

    written = write_course_certs(args.out, force=args.force)
    where = "data/certs/" if Path(args.out).resolve() == CERTS_DIR else printable(args.out)
    print(f"wrote {len(written)} files to {where}")
    return 0
