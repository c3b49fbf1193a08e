"""The four attacks on loopback: each fools a correct default client and none fools the pinned one."""

from __future__ import annotations

import os
import threading
import time

import pytest

from helpers import attacks
from helpers.attacks import ATTACKS, UnknownAttackError, default_clients, run_attack, scoreboard
from helpers.errors import BadInputError
from helpers.pinning.client import CaClient, PinnedClient, Refused, fetch
from helpers.pki import Attacker, course_pki
from helpers.tls.api import API_TOKEN, USERS
from helpers.tls.proxy import MitmProxy, Outcome
from helpers.tls.servers import HTTPSServer

PINNED = default_clients()[PinnedClient.label]


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture(scope="module")
def server():
    with attacks.real_server() as running:
        yield running


@pytest.mark.parametrize("item", ATTACKS, ids=lambda a: a.key)
def test_default_client_is_fooled_and_leaks_the_token(server, item):
    result = run_attack(item, CaClient, upstream=server)
    assert result.connected and result.token_leaked
    assert f"Bearer {API_TOKEN}" in result.read and "/users response" in result.read


@pytest.mark.parametrize("item", ATTACKS, ids=lambda a: a.key)
def test_pinned_client_refuses_and_leaks_nothing(server, item):
    result = run_attack(item, PINNED, upstream=server)
    assert not result.connected and not result.token_leaked
    assert "no pin matched" in result.reason and result.read.startswith("nothing")


@pytest.mark.parametrize("item", ATTACKS, ids=lambda a: a.key)
def test_each_attack_needs_exactly_its_own_ca(item):
    """Without the attack's CA in the store, a correct client refuses (the mis-issued leaf needs none)."""
    pki = course_pki()
    store = item.device_roots()
    assert store[0] == pki.root.cert and len(store) == (1 if item.key == "DV mis-issuance" else 2)
    result = run_attack(item, lambda roots: CaClient([pki.root.cert]))
    assert result.connected == (item.key == "DV mis-issuance")


def test_proxy_reads_the_plaintext_and_validates_upstream(server):
    pki = course_pki()
    item = attacks.attack("corporate proxy")
    with MitmProxy((server.host, server.port), chain=item.chain(), key=item.leaf().key,
                   upstream_roots=[pki.root.cert]) as proxy:
        response = fetch(CaClient(item.device_roots()), proxy.host, proxy.port, token=API_TOKEN)
    assert response.status == 200 and response.json == [dict(u) for u in USERS]
    assert proxy.authorizations() == [f"Bearer {API_TOKEN}"]
    assert proxy.interceptions[0].outcome is Outcome.INTERCEPTED
    assert b"GET /users HTTP/1.1" in proxy.plaintext() and b"Grace Hopper" in proxy.interceptions[0].response
    # the proxy itself validates the real server: with the wrong roots it will not forward anything
    with MitmProxy((server.host, server.port), chain=item.chain(), key=item.leaf().key,
                   upstream_roots=[pki.government_root.cert]) as careful:
        with pytest.raises(Refused):
            fetch(CaClient(item.device_roots()), careful.host, careful.port, token=API_TOKEN)
    assert careful.interceptions[0].outcome is Outcome.UPSTREAM_FAILED and not careful.authorizations()


def test_scoreboard_text_and_html():
    board = scoreboard()
    text = board.text()
    assert text.count("connected") == 4 and text.count("refused") == 4
    assert text.splitlines()[1].startswith("-----")          # show.Table's rule under the headers
    html = board._repr_html_()
    assert html.count("<tr>") == 3 and "DV mis-issuance" in html
    assert html == board.matrix()._repr_html_() and "<th style='text-align:left'>client \\ attack</th>" in html
    assert "<b>✓ refused</b><br><small>attacker read: nothing</small><br><small>why: no pin matched" in html
    assert "0x" not in repr(board) and "127.0.0.1" not in text


def test_tables_escape_what_they_show():
    """Every table goes through show.Table, which escapes cell text (a certificate can say anything)."""
    board = attacks.Scoreboard([attacks.Result("<script>", ATTACKS[0], False, "nothing", "x & y")])
    assert "<script>" not in board._repr_html_() and "&lt;script&gt;" in board._repr_html_()
    assert "x &amp; y" in board._repr_html_()
    defences = attacks.Defences([("<b>", "d", "h", "s")])
    assert "&lt;b&gt;" in defences._repr_html_() and str(defences).splitlines()[0].split() == [
        "attack", "defence", "outside", "pinning", "how", "source"]
    assert repr(defences) == "<Defences: 1 attacks>"


def test_attacks_name_their_attacker_not_an_attribute():
    pki = course_pki()
    assert [a.attacker for a in ATTACKS] == list(Attacker) and [a.key for a in ATTACKS] == list(Attacker)
    assert [a.leaf() for a in ATTACKS] == [pki.attackers[a] for a in Attacker]
    stuffing = attacks.CHAIN_STUFFING
    assert stuffing.attacker is Attacker.ROGUE_CA
    assert stuffing.chain() == [pki.rogue_leaf.cert, pki.leaf.cert, pki.intermediate.cert]
    assert attacks.attack("rogue CA").chain() == pki.rogue_leaf.chain


def test_defences_are_named_and_cited():
    rows = dict((title, (defence, source)) for title, defence, _, source in attacks.defence_rows())
    joined = " ".join(d + " " + s for d, s in rows.values())
    for needed in ("Certificate Transparency", "CAA", "SC-067", "distrust", "RFC 9162", "RFC 8659"):
        assert needed in joined
    assert all(source for _, source in rows.values())


def test_running_the_attacks_twice_leaks_no_thread_or_socket():
    scoreboard()  # warm up caches (course PKI, imports)
    threads, fds = threading.active_count(), _open_fds()
    for _ in range(2):
        scoreboard()
        attacks.callback_demo()
        run_attack(attacks.CHAIN_STUFFING, PINNED)
    assert threading.active_count() == threads
    assert _open_fds() == fds


def test_bad_input():
    with pytest.raises(UnknownAttackError, match="rogue CA") as info:
        attacks.attack("DigiNotar")
    assert isinstance(info.value, BadInputError) and str(info.value).count(".") == 1
    pki = course_pki()
    with pytest.raises(BadInputError, match="key does not match"):
        with MitmProxy(("127.0.0.1", 1), chain=[pki.rogue_leaf.cert], key=pki.leaf.key,
                       upstream_roots=[pki.root.cert]):
            pass
    with pytest.raises(BadInputError):
        MitmProxy(("127.0.0.1", 1), chain=[pki.rogue_leaf.cert], key=pki.rogue_leaf.key, upstream_roots=[])
    with pytest.raises(BadInputError, match="not running"):
        _ = MitmProxy(("127.0.0.1", 1), chain=[pki.rogue_leaf.cert], key=pki.rogue_leaf.key,
                  upstream_roots=[pki.root.cert]).port


class _SlowClient(CaClient):
    """An app that sends its request a moment after the handshake (a busy machine does the same)."""

    def connect(self, host, port, servername="api.yourapp.com"):
        sock = super().connect(host, port, servername)
        time.sleep(0.3)  # by now the real server's TLS 1.3 session tickets have reached the proxy
        return sock


def test_proxy_relays_a_request_that_comes_after_the_session_tickets(server):
    """Regression: the proxy used to block reading the tickets and drop the request (seen under load)."""
    result = run_attack("DV mis-issuance", _SlowClient, upstream=server)
    assert result.connected and result.token_leaked, result.reason


def test_run_attack_takes_another_device_store(server):
    pki = course_pki()
    only_ours = [pki.root.cert]
    verdicts = {a.key: run_attack(a, CaClient, upstream=server, roots=only_ours).connected for a in ATTACKS}
    assert verdicts == {"rogue CA": False, "corporate proxy": False, "government root": False,
                        "DV mis-issuance": True}


def test_describe_names_subject_and_issuer():
    pki = course_pki()
    assert attacks.describe(pki.rogue_leaf.cert) == "api.yourapp.com, issued by Compromised Public Root CA"
    assert attacks.describe(pki.rogue_ca.cert) == "Compromised Public Root CA (a self-signed root)"


def test_chain_stuffing_line_up_and_unknown_names():
    assert len(attacks.broken_clients()) == 3 and len(attacks.broken_clients(with_callback=False)) == 2
    assert attacks.attack("chain stuffing") is attacks.CHAIN_STUFFING
    with pytest.raises(UnknownAttackError, match="chain stuffing"):
        attacks.attack("stuffing")


def test_callback_demo_is_a_table_of_two_situations(server):
    demo = attacks.callback_demo()
    assert demo.rows == (("genuine server, root not in the store", "connected (HTTP 200)", True, False),
                         ("rogue-CA attack", "connected (HTTP 200)", False, True))
    lines = str(demo).splitlines()
    assert lines[0].split() == ["situation", "verdict", "callback", "ran?", "token", "leaked?"]
    assert lines[1].startswith("-----") and lines[3].split()[-2:] == ["no", "yes"]
    assert "<th style='text-align:left'>callback ran?</th>" in demo._repr_html_()
    assert repr(demo) == "<CallbackDemo: 2 situations>"


def test_defences_are_honest_about_caa():
    """The mis-issuer used *your own* CA, so CAA cannot be what stops it; the table must say so."""
    how = dict((a.key, a.how) for a in ATTACKS)["DV mis-issuance"]
    assert "CAA" in how and "your own CA" in how and "several network locations" in how


def test_real_server_is_the_course_server():
    with attacks.real_server() as server:
        assert isinstance(server, HTTPSServer) and server.chain == course_pki().leaf.chain


@pytest.mark.parametrize("lesson", ["05_when_ca_trust_fails", "06_pinning"])
def test_running_a_lesson_twice_in_one_process_leaks_nothing(lesson, capsys):
    """Execute every code cell of the committed lesson twice, as a kernel would, and count threads and fds."""
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "notebooks" / f"{lesson}.ipynb"
    sources = ["".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    namespace: dict = {}
    exec(sources[0], namespace)  # imports first, so the baseline includes loaded modules
    threads, fds = threading.active_count(), _open_fds()
    for _ in range(2):
        for source in sources[1:]:
            exec(compile(source, f"<{lesson}>", "exec"), namespace)
    assert threading.active_count() == threads
    assert _open_fds() == fds
    capsys.readouterr()


def test_lesson05_exercises_accept_the_answer_and_explain_mistakes():
    from helpers.exercises import lesson05 as ex

    pki = course_pki()
    caa = '0 issue "issuing-ca.example; accounturi=https://issuing-ca.example/acme/acct/1001"'
    assert ex.q1.feedback(caa).startswith("✓") and "your own CA" in ex.q1.feedback('0 issue "issuing-ca.example"')
    assert ex.q2.feedback(["DV mis-issuance", "rogue CA"]).startswith("✓")
    assert "still connect" in ex.q2.feedback(["rogue CA"])
    assert "installed by a user" in ex.q2.feedback(["rogue CA", "DV mis-issuance", "corporate proxy"])
    assert "not an attack name" in ex.q2.feedback(["DigiNotar"])
    assert ex.q2.feedback(["dv mis-issuance", " Rogue CA"]).startswith("✓")  # case and spaces forgiven
    assert "leaves out an attack that still connects" in ex.q2.feedback("rogue CA")
    assert ex.q1.feedback(...).startswith("q1: not attempted") and "DNS zone" in ex.q1.feedback(caa)
    assert ex.q3.feedback(ex.ct.by_key([pki.leaf.cert, pki.backup_key.public_key()])).startswith("✓")
    assert ex.q3.feedback(...).startswith("q3: not attempted")
