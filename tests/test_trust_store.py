"""certifi's root store: counts cross-checked against the PEM text and the openssl CLI."""

from __future__ import annotations

import re
import shutil
import subprocess
import warnings
from collections import Counter

import pytest

from helpers import trust_store as ts
from helpers.pem import short_name
from helpers.pinning import spki_pin

ISRG_ROOT_X1_PIN = "C5+lpZ7tcVwmwQIMcRtPbsQtWLABXhQzejna0wHFr8M="


def test_bundle_has_many_roots_of_both_families_and_isrg_root_x1():
    stats = ts.root_stats()
    assert stats.count > 100
    assert stats.families["RSA"] > 0 and stats.families["EC"] > 0
    assert sum(stats.families.values()) == stats.count
    for counter in (stats.key_types, stats.organisations, stats.countries, stats.expiry_years, stats.owners):
        assert sum(counter.values()) == stats.count
    root = ts.find_root("ISRG Root X1")
    assert spki_pin(root) == ISRG_ROOT_X1_PIN
    assert ts.key_label(root) == "RSA 4096" and ts.country(root) == "US"
    assert ts.organisation(root) == "Internet Security Research Group"
    assert ts.key_label(ts.find_root("ISRG Root X2")) == "EC P-384"


def test_bundle_version_is_certifis_release():
    import certifi

    assert ts.bundle_version() == certifi.__version__
    assert ts.bundle_version()[:4].isdigit()  # certifi versions are dates, e.g. 2026.10.19


def test_count_equals_the_certificates_in_the_pem_text():
    text = ts.bundle_path().read_text()
    assert ts.root_stats().count == text.count("-----BEGIN CERTIFICATE-----") == len(ts.load_roots())


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI not installed")
def test_key_types_and_expiry_years_agree_with_openssl():
    pkcs7 = subprocess.run(["openssl", "crl2pkcs7", "-nocrl", "-certfile", str(ts.bundle_path())],
                           capture_output=True, check=True, timeout=120).stdout
    text = subprocess.run(["openssl", "pkcs7", "-print_certs", "-text", "-noout"], input=pkcs7,
                          capture_output=True, check=True, timeout=120).stdout.decode()
    stats = ts.root_stats()
    assert text.count("Public Key Algorithm: rsaEncryption") == stats.families["RSA"]
    assert text.count("Public Key Algorithm: id-ecPublicKey") == stats.families["EC"]
    assert text.count("NIST CURVE: P-384") == stats.key_types["EC P-384"]
    assert text.count("Public-Key: (4096 bit)") == stats.key_types["RSA 4096"]
    years = [int(y) for y in re.findall(r"Not After : \w+ +\d+ [\d:]+ (\d{4}) GMT", text)]
    assert sorted(years) == sorted(stats.expiry_years.elements())


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI not installed")
def test_country_counts_agree_with_openssl_subjects():
    """Lesson 02 prints the countries with the most roots; openssl reads the same subjects independently."""
    pkcs7 = subprocess.run(["openssl", "crl2pkcs7", "-nocrl", "-certfile", str(ts.bundle_path())],
                           capture_output=True, check=True, timeout=120).stdout
    text = subprocess.run(["openssl", "pkcs7", "-print_certs", "-noout"], input=pkcs7,
                          capture_output=True, check=True, timeout=120).stdout.decode()
    subjects = [line for line in text.splitlines() if line.startswith("subject=")]
    found = Counter()
    for subject in subjects:
        match = re.search(r"(?:^subject=|, )C ?= ?([A-Z]{2})(?:,|$)", subject)
        found[match[1] if match else "??"] += 1
    stats = ts.root_stats()
    assert len(subjects) == stats.count
    assert found == stats.countries


def test_summary_prints_the_computed_numbers():
    stats = ts.root_stats()
    summary = stats.summary()
    assert summary.startswith(f"{stats.count} roots: ")
    for family, n in stats.families.items():
        assert f"{n} {family}" in summary
    for kind, n in stats.key_types.items():
        assert f"{n} {kind}" in summary
    assert f"{len(stats.owners)} CA owners ({len(stats.organisations)} spellings of O=)" in summary
    assert f"{len(stats.named_countries)} countries ({stats.countries['??']} roots name none)" in summary
    assert "??" not in summary and " CN " not in summary  # no placeholder counted, no bare "CN" as a country
    assert f"between {min(stats.expiry_years)} and {max(stats.expiry_years)}" in summary


def test_loading_the_bundle_prints_no_warning():
    data = ts.bundle_path().read_bytes()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        roots = ts._load(data)
        [ts.key_label(c) for c in roots]
    assert roots and caught == []
    with warnings.catch_warnings(record=True) as caught:  # the silencing is local to the load
        warnings.simplefilter("always")
        [c.serial_number for c in roots]
    assert any("serial number" in str(w.message) for w in caught)


def test_find_root_explains_missing_and_ambiguous_names():
    assert short_name(ts.find_root("isrg root x1")) == "ISRG Root X1"
    with pytest.raises(ts.RootNotFoundError, match="2 roots match 'ISRG'"):
        ts.find_root("ISRG")
    with pytest.raises(ts.RootNotFoundError, match="no root in the bundle is named 'YourApp Root CA'"):
        ts.find_root("YourApp Root CA")
    with pytest.raises(ts.RootNotFoundError, match="empty"):
        ts.find_root("  ")


def test_a_bundle_file_without_certificates_is_a_course_error(tmp_path):
    empty = tmp_path / "empty.pem"
    empty.write_text("nothing here\n")
    with pytest.raises(ts.UnreadableBundleError, match="no readable PEM certificates"):
        ts.load_roots(empty)
    with pytest.raises(ts.NoRootsError, match="no roots to count"):
        ts.root_stats([])


def test_the_course_root_is_not_in_the_real_store():
    from helpers.pki import course_pki

    pins = {spki_pin(c) for c in ts.load_roots()}
    assert spki_pin(course_pki().root.cert) not in pins


def test_root_store_figure_and_summary():
    import matplotlib

    matplotlib.use("Agg")
    from helpers.plots.trust_store import plot_root_store

    stats = ts.root_stats()
    fig, summary = plot_root_store(stats)
    assert summary.startswith(f"{stats.count} roots: ")
    assert f"between {min(stats.expiry_years)} and {max(stats.expiry_years)}" in summary
    left, right = fig.axes
    assert sum(p.get_width() for p in left.patches) == stats.count
    assert sum(p.get_height() for p in right.patches) == stats.count
    assert {p.get_hatch() for p in left.patches} == {"///", "..."}  # RSA and EC told apart without colour
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_chain_figure_labels_every_certificate_and_the_offline_root():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from helpers.pki import course_pki
    from helpers.plots.chain import plot_chain

    pki = course_pki()
    fig, summary = plot_chain([*pki.leaf.chain, pki.root.cert])
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "api.yourapp.com" in texts and texts.count("signed this") == 2
    # the course root's key is in memory: the figure must not call it offline
    assert "OFFLINE" not in texts and "key in memory here; a real CA keeps it offline" in texts
    assert summary == ("A chain of 3 certificates, YourApp Root CA → YourApp Issuing CA 1 → api.yourapp.com: each "
                       "arrow is a signature by the key of the certificate above, and this demo root's key is in "
                       "memory, where a real CA would keep it offline.")
    plt.close(fig)
    fig, summary = plot_chain([*pki.leaf.chain, pki.root.cert], offline_root=True)  # for a real public root
    assert "OFFLINE" in " ".join(t.get_text() for t in fig.axes[0].texts) and summary.endswith("is offline.")
    plt.close(fig)


def test_cross_signing_figure_draws_two_paths_without_relying_on_colour():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from helpers.pki import course_pki
    from helpers.plots.chain import plot_cross_signed

    pki = course_pki()
    fig, summary = plot_cross_signed(pki.leaf.cert, [pki.intermediate.cert, pki.intermediate_cross_signed.cert],
                                     [pki.root.cert, pki.root2.cert])
    ax = fig.axes[0]
    texts = " ".join(t.get_text() for t in ax.texts)
    assert texts.count("INTERMEDIATE, copy") == 2 and "ROOT A" in texts and "ROOT B" in texts
    assert texts.count("(path A)") == 2 and texts.count("(path B)") == 2
    styles = {a.arrow_patch.get_linestyle() for a in ax.texts if hasattr(a, "arrow_patch") and a.arrow_patch}
    assert len(styles) == 2                                   # solid and dashed: the paths differ without colour
    assert {p.get_hatch() for p in ax.patches} >= {"///"}     # roots hatched
    assert summary.startswith("Cross-signing: two intermediate certificates with the same name and key")
    assert "YourApp Root CA 2" in summary and "path B" in summary
    plt.close(fig)


def test_owners_follow_ccadb_not_the_raw_o_spelling():
    roots = ts.load_roots()
    digicert = [r for r in roots if ts.owner(r) == "DigiCert"]
    spellings = Counter(ts.organisation(r) for r in digicert)
    # DigiCert's roots carry three O= spellings, QuoVadis (bought in 2019) among them
    assert {"DigiCert Inc", "DigiCert, Inc.", "QuoVadis Limited"} <= set(spellings)
    assert len(digicert) == sum(spellings.values()) >= 7 + 3
    assert ts.root_stats(roots).owners.most_common(1)[0][0] == "DigiCert"
    assert ts.owner(ts.find_root("ISRG Root X1")) == "Internet Security Research Group"  # unmapped: its own O=
    assert all(ts.owner(r) in {"Sectigo"} for r in roots if ts.organisation(r).startswith("COMODO"))
    assert ts.CA_OWNER_SOURCE.startswith("CCADB")


def test_country_names_spell_out_codes_and_skip_the_placeholder():
    assert ts.country_name("CN") == "China (CN)" and ts.country_name("US") == "United States (US)"
    assert ts.country_name("??") == "no country given"
    stats = ts.root_stats()
    assert "??" not in stats.named_countries
    assert sum(stats.named_countries.values()) + stats.countries["??"] == stats.count
    assert all(code in ts.COUNTRY_NAMES for code in stats.countries)  # every code in the bundle is spelled out


def test_lesson02_exercises_accept_the_solutions_and_explain_mistakes():
    from helpers.exercises import lesson02 as ex

    roots, deadline = ts.load_roots(), ts.find_root("ISRG Root X1").not_valid_after_utc
    before = [r for r in roots if r.not_valid_after_utc < deadline]
    assert 0 < len(before) < len(roots)
    assert ex.q1.feedback(len(before)).startswith("✓")
    assert "itself" in ex.q1.feedback(len(before) + 1)
    assert "after ISRG Root X1" in ex.q1.feedback(len(roots) - len(before) - 1)
    assert "every root" in ex.q1.feedback(len(roots))
    same_year = sum(r.not_valid_after_utc.year < deadline.year for r in roots)
    if same_year != len(before):
        assert "full" in ex.q1.feedback(same_year)
    assert "whole number" in ex.q1.feedback(str(len(before)))
    pinned = [r for r in roots if spki_pin(r) == ex.MYSTERY_PIN]
    assert len(pinned) == 1 and ex.q2.feedback(pinned[0]).startswith("✓")
    assert ex.q2.feedback(short_name(pinned[0])).startswith("✓")
    assert "different pin" in ex.q2.feedback("ISRG Root X1")
    assert "That is a pin" in ex.q2.feedback(ex.MYSTERY_PIN)
    assert ex.q3.feedback("D").startswith("✓") and "years" in ex.q3.feedback("A")
    assert ex.q3.feedback("B").startswith("✗")  # a new intermediate alone leaves the leaked one valid
