"""Toy keys, public by design.

Every EC key in the course is derived from a short label by hashing it, so anyone who reads
this file can rebuild every private key. That is what makes the course deterministic (the same
certificates, byte for byte, on every machine), and it is also why these keys must never protect
anything real. The one RSA key (``data/certs/rsa-example.key.pem``) was generated once and
committed, because RSA keys cannot be derived from a label; it is just as public.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ..course import CERTS_DIR
from ..errors import BadInputError
from ..pem import load_private_key

RSA_EXAMPLE_KEY_FILE = "rsa-example.key.pem"

#: Mixed into every label before hashing, so course keys never collide with other toy schemes.
KEY_PREFIX = b"https-pinning-course toy key v1:"
#: The order n of the P-256 group: a private key is an integer in [1, n-1].
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


class KeyLabelError(BadInputError):
    """A key label that is not a non-empty string."""


class MissingRSAKeyError(BadInputError):
    """The committed RSA example key is missing or unreadable."""


def key_from_label(label: str) -> ec.EllipticCurvePrivateKey:
    """Derive a deterministic EC P-256 **toy** key from ``label``.

    The private scalar is SHA-256(prefix + label), reduced into [1, n-1]. Anyone who knows the
    label knows the key: public by design, never use such a key for anything real.
    """
    if not isinstance(label, str) or not label.strip():
        raise KeyLabelError(f"a key label must be a non-empty string, not {label!r}; pass a name like "
                            "'api.yourapp.com key 1'.")
    digest = hashlib.sha256(KEY_PREFIX + label.encode("utf-8")).digest()
    scalar = int.from_bytes(digest, "big") % (P256_ORDER - 1) + 1
    return ec.derive_private_key(scalar, ec.SECP256R1())


def rsa_example_key(certs_dir: Path | str = CERTS_DIR) -> rsa.RSAPrivateKey:
    """The course's one RSA-2048 example key, loaded from the committed PEM (public by design)."""
    return load_private_key(rsa_key_bytes(certs_dir))


def rsa_key_bytes(certs_dir: Path | str = CERTS_DIR) -> bytes:
    """The committed RSA example key file, byte for byte."""
    path = Path(certs_dir) / RSA_EXAMPLE_KEY_FILE
    try:
        return path.read_bytes()
    except OSError:
        raise MissingRSAKeyError(f"the committed RSA example key {path} is missing or unreadable; restore "
                                 "it from git (RSA keys cannot be derived, so it is never regenerated).") from None
