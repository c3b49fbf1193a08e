"""Lesson 03's Python-version cell: Python's own ssl, with the 3.11 and the 3.13 default flags.

From Python 3.13, ssl.create_default_context() sets VERIFY_X509_PARTIAL_CHAIN and VERIFY_X509_STRICT
(CPython gh-107361). The lesson shows both behaviours with explicit flags, so its output is the same on
every Python; these tests hold the helper to that, and check what this Python's default really is.
"""

from __future__ import annotations

import ssl
import sys

import pytest

from helpers.pki import course_pki
from helpers.validation.python_ssl import PY313_FLAGS, default_flags, python_ssl_verdict, python_version

PKI = course_pki()
HOST = "api.yourapp.com"


@pytest.mark.parametrize("flags", [0, PY313_FLAGS])
def test_a_root_in_the_store_is_accepted_with_either_flags(flags):
    assert python_ssl_verdict(PKI.leaf, [PKI.root.cert], HOST, flags=flags).valid


def test_only_the_313_flags_make_a_leaf_in_the_store_an_anchor():
    old = python_ssl_verdict(PKI.leaf, [PKI.leaf.cert], HOST, flags=0)
    new = python_ssl_verdict(PKI.leaf, [PKI.leaf.cert], HOST, flags=PY313_FLAGS)
    assert not old.valid and "issuer" in old.message
    assert new.valid and new.tool == "Python ssl (3.13 flags)"
    assert python_ssl_verdict(PKI.leaf, [PKI.leaf.cert], HOST, flags=ssl.VERIFY_X509_PARTIAL_CHAIN).valid


@pytest.mark.parametrize("flags", [0, PY313_FLAGS])
def test_the_handshake_still_checks_the_name_and_the_anchor(flags):
    assert not python_ssl_verdict(PKI.leaf, [PKI.root.cert], "www.yourapp.com", flags=flags).valid
    assert not python_ssl_verdict(PKI.leaf, [PKI.root2.cert], HOST, flags=flags).valid   # not its root


def test_default_flags_report_this_pythons_default():
    flags = default_flags()
    assert set(flags) == {"VERIFY_X509_PARTIAL_CHAIN", "VERIFY_X509_STRICT"}
    new_default = sys.version_info >= (3, 13)
    assert flags == {"VERIFY_X509_PARTIAL_CHAIN": new_default, "VERIFY_X509_STRICT": new_default}
    assert python_version() == f"{sys.version_info.major}.{sys.version_info.minor}"
