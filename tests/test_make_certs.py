"""`python -m helpers make-certs` regenerates data/certs/ byte for byte."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from helpers import cli, pem, pki
from helpers.course import CERTS_DIR
from helpers.pki import files

COMMITTED = CERTS_DIR


def spki_pin(cert_or_public_key) -> str:
    """The SPKI pin computed here, independently of helpers: base64(sha256(DER SPKI))."""
    public_key = cert_or_public_key.public_key() if hasattr(cert_or_public_key, "public_key") \
        else cert_or_public_key
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_regenerating_gives_byte_identical_files(tmp_path):
    assert cli.main(["make-certs", "--out", str(tmp_path)]) == 0
    fresh, committed = _snapshot(tmp_path), _snapshot(COMMITTED)
    assert sorted(fresh) == sorted(committed)
    assert [name for name in fresh if fresh[name] != committed[name]] == []


def test_a_fresh_process_also_gives_identical_files(tmp_path):
    """Nothing depends on state inside one interpreter (caches, dict order, randomness)."""
    out = subprocess.run([sys.executable, "-m", "helpers", "make-certs", "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert _snapshot(tmp_path) == _snapshot(COMMITTED)


def test_write_course_certs_leaves_no_temporary_files(tmp_path):
    written = files.write_course_certs(tmp_path / "new")
    assert sorted(p.name for p in written) == sorted(p.name for p in (tmp_path / "new").iterdir())


def test_the_rsa_key_is_copied_not_regenerated(tmp_path):
    files.write_course_certs(tmp_path)
    assert (tmp_path / "rsa-example.key.pem").read_bytes() == (COMMITTED / "rsa-example.key.pem").read_bytes()


def test_every_file_is_listed_in_the_readme_with_its_pin():
    readme = (COMMITTED / "README.md").read_text()
    assert "public by design" in readme and "Never use any of them for anything real" in readme
    for entry in pki.course_pki().entries:
        name = f"{entry.stem}.pem" if entry.cert is not None else f"{entry.stem}.key.pem"
        public = entry.cert if entry.cert is not None else entry.key.public_key()
        assert f"| `{name}` |" in readme and f"`{spki_pin(public)}`" in readme


def test_every_key_file_says_it_is_a_toy_and_loads():
    keys = sorted(COMMITTED.glob("*.key.pem"))
    assert len(keys) == len([e for e in pki.course_pki().entries if e.key is not None])
    for path in keys:
        data = path.read_bytes()
        assert data.startswith(b"# TOY KEY, PUBLIC BY DESIGN")
        serialization.load_pem_private_key(data, password=None)


def test_committed_certificates_load_back_equal():
    for entry in pki.course_pki().entries:
        if entry.cert is not None:
            assert pem.load_certificates(COMMITTED / f"{entry.stem}.pem") == [entry.cert]
