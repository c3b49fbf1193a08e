"""Lesson 04's exercises, figure and the substance of its version-dependent cells."""

from __future__ import annotations

import ssl

import matplotlib
import pytest

from helpers.exercises import lesson04 as ex
from helpers.show import Table
from helpers.tls.handshake import run_handshake

matplotlib.use("Agg")


@pytest.mark.parametrize("question, right, wrongs", [
    (ex.q1, ["status.yourapp.com", " STATUS.yourapp.com. "], ["www.yourapp.com", "api.yourapp.com", "example.com"]),
    (ex.q2, ["Certificate", "certificate message"], ["CertificateVerify", "ServerHello", "chain"]),
    (ex.q3, ["B", "b"], ["A", "C", "D", "E"]),
])
def test_exercises(question, right, wrongs):
    for answer in right:
        assert question.feedback(answer).startswith("✓"), answer
    for answer in wrongs:
        assert question.feedback(answer).startswith("✗"), answer
    assert "not attempted" in question.feedback(...)


def test_sequence_diagram_has_the_three_questions_and_a_summary():
    import matplotlib.pyplot as plt

    from helpers.plots.handshake import QUESTIONS, sequence_diagram

    fig, summary = sequence_diagram()
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    plt.close(fig)
    for question in QUESTIONS:
        assert question in texts
    assert "Certificate: leaf + intermediate  [encrypted]" in texts
    assert "solid arrow: sent in clear" in texts and "encrypted" in texts.split("dotted band:")[-1]
    assert summary.startswith("A TLS 1.3 connection") and summary.endswith(".")


def test_version_dependent_cells_have_the_right_substance():
    """The notebook ignores these outputs; check what they must contain instead."""
    from cryptography.hazmat.backends.openssl import backend

    assert ssl.OPENSSL_VERSION.startswith(("OpenSSL", "LibreSSL"))
    assert backend.openssl_version_text().startswith(("OpenSSL", "LibreSSL", "BoringSSL"))
    table = str(Table(("field", "value"), run_handshake().client_hello.rows(), wrap=80))
    for needed in ("extension server_name", "api.yourapp.com", "extension supported_versions",
                   "extension key_share", "extension signature_algorithms", "cipher_suites"):
        assert needed in table
    assert max(len(line) for line in table.splitlines()) <= 140


def test_the_flight_table_is_a_course_table_with_a_rule_and_no_random_bytes():
    hs = run_handshake(request=False)
    table = hs.flight_table()
    assert isinstance(table, Table) and table.headers == ("flight", "direction", "protection", "contents")
    lines = str(table).splitlines()
    assert lines[0].split() == ["flight", "direction", "protection", "contents"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert lines[2].split() == ["1", "client", "→", "server", "plaintext", "ClientHello"]
    assert len(table.rows) == len(hs.flight_rows()) and "<script>" not in table._repr_html_()
