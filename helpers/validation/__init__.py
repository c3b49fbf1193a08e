"""A chain validator that explains itself, and independent validators beside it.

``explain(leaf, intermediates, anchors, host, at)`` builds every candidate path from the
leaf to a trust anchor and runs each check as a named step (passed, failed or not
checked, with one sentence). ``compare()`` puts cryptography's verdict and OpenSSL's (plain
and ``-x509_strict``) on the same chain beside ours; ``gallery_table(pki.gallery)`` does that for every broken chain
in the course PKI. ``python -m helpers verify CHAIN.pem --host NAME`` runs it from a terminal.

Modules: :mod:`.paths` (path building, with a work budget), :mod:`.checks`, :mod:`.profile`,
:mod:`.wellformed` (certificates that do not parse, keys the Web PKI forbids) and
:mod:`.constraints` (RFC 5280 name constraints) for the checks, :mod:`.names` (hostname matching),
:mod:`.report` (steps and rendering), :mod:`.references` (cryptography and OpenSSL),
:mod:`.compare` (ours beside the references, as tables). Raw DER is read by :mod:`helpers.der`.
"""

from __future__ import annotations

from .compare import GALLERY_SPLITS, Comparison, Comparisons, compare, compare_case, gallery_table, table
from .names import HostNameError
from .references import (
    OpenSSLMissingError,
    Verdict,
    cryptography_verdict,
    openssl_strict_verdict,
    openssl_verdict,
    openssl_version,
)
from .report import Rejected, Report, Status, Step
from .validator import explain

__all__ = [
    "GALLERY_SPLITS", "Comparison", "Comparisons", "HostNameError",
    "OpenSSLMissingError", "Rejected", "Report", "Status", "Step", "Verdict",
    "compare", "compare_case", "cryptography_verdict", "explain", "gallery_table", "openssl_strict_verdict",
    "openssl_verdict",
    "openssl_version", "table",
]
