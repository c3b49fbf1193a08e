"""Course constants: the names every floor of the package agrees on.

This module sits on the ground floor beside :mod:`helpers.clock` and :mod:`helpers.errors`:
it imports nothing from the course, so any helper may use it.
"""

from __future__ import annotations

from pathlib import Path

#: The server every lesson connects to.
HOST = "api.yourapp.com"

#: Servers, proxies and clients bind and connect here only: never a routable address.
LOOPBACK = "127.0.0.1"

#: Seconds a socket operation may block before a server, proxy or client gives up.
TIMEOUT = 5.0

#: The organisation name in the course's own (toy) certificates.
COURSE_ORG = "YourApp Inc. (course toy PKI)"

#: Where the committed PEM files live (``python -m helpers make-certs`` rewrites them).
CERTS_DIR = Path(__file__).resolve().parent.parent / "data" / "certs"
