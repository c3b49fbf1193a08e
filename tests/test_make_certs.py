"""`python -m helpers make-certs` regenerates data/certs/ byte for byte, and never loses a file of yours."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from helpers import cli, pem, pki
from helpers.course import CERTS_DIR
from helpers.pki import files

COMMITTED = CERTS_DIR
ROOT = Path(__file__).resolve().parents[1]


def spki_pin(cert_or_public_key) -> str:
    """The SPKI pin computed here, independently of helpers: base64(sha256(DER SPKI))."""
    public_key = cert_or_public_key.public_key() if hasattr(cert_or_public_key, "public_key") \
        else cert_or_public_key
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def _snapshot(folder: Path) -> dict[str, bytes]:
    """The course's files in ``folder`` (the marker aside: data/certs/ may predate it)."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())
            if p.is_file() and p.name != files.MARKER}


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


# --- never lose a file: the output folder -------------------------------------------------------

def _tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path (a link as its target), to prove nothing else changed."""
    tree = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            tree[str(path.relative_to(folder))] = b"-> " + os.fsencode(os.readlink(path))
        elif path.is_file():
            tree[str(path.relative_to(folder))] = path.read_bytes()
    return tree


def _make_certs(*args: str, cwd: Path = ROOT) -> tuple[subprocess.CompletedProcess, float]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "helpers", "make-certs", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60)
    return done, time.perf_counter() - start


def _refused(done: subprocess.CompletedProcess, seconds: float, *words: str) -> None:
    """Exit 2, one sentence on stderr naming the problem, no traceback, under 5 s."""
    line = done.stderr.strip()
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    assert line.startswith("error: ") and "\n" not in line and line.endswith(".") and ". " not in line, line
    assert "Traceback" not in done.stderr and seconds < 5
    for word in words:
        assert word in line, line


def test_a_foreign_file_in_out_survives(tmp_path):
    (tmp_path / "README.md").write_text("# my project\n")
    _refused(*_make_certs("--out", str(tmp_path)), "README.md", "--force")
    assert _tree(tmp_path) == {"README.md": b"# my project\n"}
    with pytest.raises(files.OutputFolderError):
        files.write_course_certs(tmp_path)
    assert _tree(tmp_path) == {"README.md": b"# my project\n"}


def test_out_dot_in_a_copy_of_the_repo_refuses(tmp_path):
    copy = tmp_path / "repo"
    shutil.copytree(ROOT, copy, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "__pycache__", ".hypothesis", ".pytest_cache", "*.egg-info", "node_modules"))
    before = _tree(copy)
    _refused(*_make_certs("--out", ".", cwd=copy), "--force")
    assert _tree(copy) == before


def test_an_empty_out_is_refused(tmp_path):
    (tmp_path / "keep.txt").write_text("mine\n")
    _refused(*_make_certs("--out", "", cwd=tmp_path), "empty")
    assert _tree(tmp_path) == {"keep.txt": b"mine\n"}
    with pytest.raises(files.OutputFolderError):
        files.write_course_certs("")


def test_force_overwrites_only_the_course_file_names_and_deletes_nothing(tmp_path):
    (tmp_path / "README.md").write_text("# my project\n")
    (tmp_path / "notes.txt").write_text("mine\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "api.yourapp.com.pem").write_text("not the course's\n")
    done, _ = _make_certs("--out", str(tmp_path), "--force")
    assert done.returncode == 0, done.stderr
    tree = _tree(tmp_path)
    course = files.course_files()
    assert set(tree) == set(course) | {files.MARKER, "notes.txt", "sub/api.yourapp.com.pem"}
    assert tree["notes.txt"] == b"mine\n" and tree["sub/api.yourapp.com.pem"] == b"not the course's\n"
    assert tree["README.md"] == course["README.md"]


def test_every_output_carries_the_marker_and_a_previous_output_is_rewritten(tmp_path):
    assert _make_certs("--out", str(tmp_path))[0].returncode == 0
    assert (tmp_path / files.MARKER).read_text().startswith("This folder was written by")
    (tmp_path / "notes.txt").write_text("mine\n")
    (tmp_path / "README.md").write_text("edited by hand\n")
    done, _ = _make_certs("--out", str(tmp_path))
    assert done.returncode == 0 and done.stderr == ""
    assert (tmp_path / "notes.txt").read_text() == "mine\n"
    assert _snapshot(tmp_path) == {**files.course_files(), "notes.txt": b"mine\n"}


def test_an_output_from_before_the_marker_is_recognised(tmp_path):
    for name, data in _snapshot(COMMITTED).items():
        (tmp_path / name).write_bytes(data)
    assert files.is_course_output(tmp_path) and files.is_course_output(COMMITTED)
    assert _make_certs("--out", str(tmp_path))[0].returncode == 0
    (tmp_path / "README.md").write_text("# data/certs: the course PKI\n")  # a look-alike is not enough
    (tmp_path / files.MARKER).unlink()
    assert not files.is_course_output(tmp_path)


def test_an_out_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "certs").write_text("mine\n")
    _refused(*_make_certs("--out", str(tmp_path / "certs")), "not a folder")
    _refused(*_make_certs("--out", str(tmp_path / "certs" / "deeper")))
    assert _tree(tmp_path) == {"certs": b"mine\n"}


def test_a_course_file_name_taken_by_a_folder_is_refused_in_one_sentence(tmp_path):
    files.write_course_certs(tmp_path)
    (tmp_path / "README.md").unlink()
    (tmp_path / "README.md").mkdir()
    (tmp_path / "README.md" / "inside.txt").write_text("mine\n")
    _refused(*_make_certs("--out", str(tmp_path), "--force"), "README.md")
    assert (tmp_path / "README.md" / "inside.txt").read_text() == "mine\n"


def test_a_link_with_a_course_name_is_replaced_not_followed(tmp_path):
    out, target = tmp_path / "out", tmp_path / "precious.txt"
    target.write_text("mine\n")
    files.write_course_certs(out)
    (out / "api.yourapp.com.pem").unlink()
    (out / "api.yourapp.com.pem").symlink_to(target)
    assert _make_certs("--out", str(out))[0].returncode == 0
    assert target.read_text() == "mine\n"
    assert not (out / "api.yourapp.com.pem").is_symlink()
    assert _snapshot(out) == files.course_files()


def test_help_names_the_force_option():
    done = subprocess.run([sys.executable, "-m", "helpers", "make-certs", "--help"], capture_output=True,
                          text=True, timeout=60)
    assert "--force" in done.stdout and "never" in done.stdout
