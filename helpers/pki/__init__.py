"""The course PKI: toy keys, a small certificate authority, and every certificate the lessons use.

* :mod:`.keys`: EC P-256 keys derived from labels (public by design) and the one committed RSA key;
* :mod:`.ca`: :class:`CertificateAuthority` and :class:`Issued`, with trustme-like defaults;
* :mod:`.catalogue`: :func:`course_pki`, the whole course PKI, attackers included;
* :mod:`.gallery`: the failure gallery of lesson 03, one broken chain per reason;
* :mod:`.files`: data/certs/, written byte-identically (``python -m helpers make-certs``).

Loading and writing PEM is :mod:`helpers.pem`.
"""

from .ca import (
    CA_VALIDITY,
    ROOT_VALIDITY,
    SERVER_AUTH,
    CertificateAuthority,
    CertificateRequestError,
    Issued,
    ServerChainError,
    tamper_signature,
)
from .catalogue import Attacker, CoursePKI, Entry, course_pki
from .gallery import GalleryCase
from .keys import P256_ORDER, KeyLabelError, MissingRSAKeyError, key_from_label, rsa_example_key

__all__ = [
    "CA_VALIDITY", "P256_ORDER", "ROOT_VALIDITY", "SERVER_AUTH", "Attacker",
    "CertificateAuthority", "CertificateRequestError", "CoursePKI", "Entry", "GalleryCase", "Issued",
    "KeyLabelError", "MissingRSAKeyError", "ServerChainError", "course_pki", "key_from_label",
    "rsa_example_key", "tamper_signature",
]
