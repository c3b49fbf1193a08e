"""helpers.platforms.flutter: the Flutter lesson's demonstrations, run for real on loopback."""

from __future__ import annotations

import pytest

from helpers.attacks.platforms import USER_INSTALLED
from helpers.attacks.scenarios import ATTACKS, CHAIN_STUFFING
from helpers.pinning.renewal import Event, renewal_matrix
from helpers.pinning.strategy import Strategy
from helpers.platforms import flutter
from helpers.show import Shown, Table
from helpers.tls.api import API_TOKEN

ATTACK_KEYS = [a.key for a in (*ATTACKS, CHAIN_STUFFING)]


@pytest.fixture(scope="module")
def dio():
    return flutter.dio_order_demo()


@pytest.fixture(scope="module")
def callbacks():
    return flutter.callback_demo()


@pytest.fixture(scope="module")
def attacks():
    return flutter.attacks_table()


@pytest.fixture(scope="module")
def renewals():
    return flutter.renewal_table()


# --- Dio's validateCertificate: the token reaches the mis-issued server first -------------------------------

def test_the_mis_issued_server_received_the_token_before_validate_certificate_refused(dio):
    assert dio.token_received and dio.status == 200   # the server logged the token and served the request...
    assert not dio.check_passed                       # ...and only then did the leaf's hash fail to match
    steps = [label for label, _ in dio.steps]
    order = [steps.index(s) for s in ("2. request sent", "3. server received", "4. validateCertificate")]
    assert order == sorted(order)
    assert "only for the right token" in dict(dio.steps)["3. server received"]
    assert API_TOKEN in dict(dio.steps)["2. request sent"]


def test_a_pin_checked_at_the_handshake_sends_nothing_to_the_same_server(dio):
    assert dio.handshake_token_received is False
    assert "received nothing" in dict(dio.steps)["contrast: pin at the handshake"]


# --- badCertificateCallback: never called for a publicly trusted certificate --------------------------------

@pytest.mark.parametrize(("index", "calls", "connected", "token"), [
    (0, 0, True, True),    # mis-issued, publicly trusted: validation passes, the pin check never runs
    (1, 1, False, False),  # rogue, untrusted: validation fails, the callback runs, its pin check refuses
    (2, 1, True, True),    # rogue, with the deliberately insecure accept-all callback
])
def test_the_callback_runs_only_when_validation_failed(callbacks, index, calls, connected, token):
    case = callbacks.rows[index]
    assert case.callback_ran is bool(calls)
    assert case.verdict.startswith("connected") is connected
    assert case.token_leaked is token


def test_the_insecure_client_says_so():
    doc = flutter.insecure_accept_all_client.__doc__
    assert "DELIBERATELY INSECURE" in doc and "demonstration" in doc


# --- which Dart approach stops which attack -----------------------------------------------------------------

#: Attacks whose CA the device trusts as a system root: a user-installed CA (corporate proxy,
#: government root) is not trusted by dart:io on Android (it reads the system store only).
SYSTEM_TRUSTED = {"rogue CA", "DV mis-issuance", "chain stuffing"}


@pytest.mark.parametrize(("approach", "connects_to"), [
    ("HttpClient() (platform roots)", SYSTEM_TRUSTED),
    ("pin in badCertificateCallback", SYSTEM_TRUSTED),
    ("badCertificateCallback => true", set(ATTACK_KEYS)),
    ("Dio recipe (validateCertificate)", set()),
    ("trust anchor: course root", {"DV mis-issuance"}),
    ("trust anchor: intermediate", {"DV mis-issuance"}),  # your own CA issued it: an anchor cannot tell
    ("trust anchor: leaf only", set()),
])
def test_attack_matrix(attacks, approach, connects_to):
    for key in ATTACK_KEYS:
        assert attacks.decisions[approach, key].connects is (key in connects_to), (approach, key)
    assert attacks.decisions[approach, "genuine server"].connects


def test_the_scenarios_are_those_of_helpers_attacks():
    built = flutter.scenarios()
    for attack in (*ATTACKS, CHAIN_STUFFING):
        chain, roots, user = built[attack.key]
        assert chain == attack.chain() and sorted(map(str, roots + user)) == sorted(map(str, attack.device_roots()))
        assert bool(user) is (attack.attacker in USER_INSTALLED)
    assert list(built) == ["genuine server", *ATTACK_KEYS]


def test_the_dio_recipe_refuses_each_attack_only_after_sending_the_token(attacks):
    for key in ATTACK_KEYS:
        verdict = attacks.verdict("Dio recipe (validateCertificate)", key)
        assert verdict == "✗ refuses, token already sent"


# --- renewals: the table agrees with pinning.renewal --------------------------------------------------------

@pytest.mark.parametrize(("column", "strategy"), [
    ("certificate pin (Dio's recipe)", Strategy.CERTIFICATE),
    ("leaf SPKI pin", Strategy.LEAF_SPKI),
    ("trust anchor: intermediate", Strategy.INTERMEDIATE),   # dart.model's answer, checked against renewal.py
    ("trust anchor: root", Strategy.ROOT),
])
def test_renewal_columns_agree_with_the_renewal_matrix(renewals, column, strategy):
    matrix = renewal_matrix()
    assert [renewals.cells[column, e] for e in Event] == [matrix.cells[strategy, e] for e in Event]


def test_a_certificate_pin_and_a_leaf_anchor_break_at_every_change(renewals):
    for column in ("certificate pin (Dio's recipe)", "trust anchor: leaf"):
        assert not any(renewals.cells[column, e] for e in Event)
    assert renewals.cells["leaf SPKI pin", Event.SAME_KEY_RENEWAL]


# --- tables: shape, sources, deterministic output -----------------------------------------------------------

def test_layers_table_marks_what_is_unconfirmed_and_cites_sources():
    table = flutter.layers_table()
    assert isinstance(table, Table) and len(table.headers) == 5
    rows = {row[0]: row for row in table.rows}
    assert "unconfirmed" in rows["iOS NSPinnedDomains (ATS)"][2]
    assert "not applied" in rows["Android NSC <pin-set>"][1]
    assert "after validation failed" in rows["badCertificateCallback"][1]
    assert all(row[-1] for row in table.rows)  # every layer names its source
    assert "cfug/dio#2418" in rows["Dio validateCertificate"][-1]


@pytest.mark.parametrize("make", [flutter.dio_order_demo, flutter.callback_demo,
                                  flutter.attacks_table, flutter.renewal_table])
def test_results_are_tables_with_deterministic_text(make):
    first, second = make(), make()
    assert isinstance(first, Shown)
    assert first.text() == second.text()
    assert "127.0.0.1" not in first.text() and "<table>" in first._repr_html_()
