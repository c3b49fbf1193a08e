"""A chain validator that explains itself, and two independent validators beside it.

``explain(leaf, intermediates, anchors, host, at)`` builds every candidate path from the
leaf to a trust anchor and runs each check as a named step (passed, failed or not
checked, with one sentence). ``compare()`` puts cryptography's and OpenSSL's verdicts on
the same chain beside ours; ``gallery_table(pki.gallery)`` does that for every broken chain
in the course PKI. ``python -m helpers verify CHAIN.pem --host NAME`` runs it from a terminal.

Modules: :mod:`.paths` (path building), :mod:`.checks` and :mod:`.profile` (the checks),
:mod:`.names` (hostname matching), :mod:`.report` (steps and rendering),
:mod:`.references` (cryptography and OpenSSL), :mod:`.compare` (ours beside the references, as tables).
"""

from __future__ import annotations

from .compare import Comparison, Comparisons, compare, compare_case, gallery_table, table
from .names import HostNameError
from .references import OpenSSLMissingError, Verdict, cryptography_verdict, openssl_verdict, openssl_version
from .report import Rejected, Report, Status, Step
from .validator import explain

__all__ = [
    "Comparison", "Comparisons", "HostNameError",
    "OpenSSLMissingError", "Rejected", "Report", "Status", "Step", "Verdict",
    "compare", "compare_case", "cryptography_verdict", "explain", "gallery_table", "openssl_verdict",
    "openssl_version", "table",
]
