"""helpers.capstone: the rotation drill. Each step performed wrongly must fail its check and say what
broke and for whom; the reference solution must pass end to end, in both variants."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from helpers import capstone as c
from helpers.pinning.pins import Pin, spki_pin
from helpers.pki import course_pki

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pki():
    return course_pki()


def backup_pin(label: str = "key 4 (backup)") -> str:
    return Pin.of_spki(c.new_backup_key(label).public_key()).base64


def upto(n: int, variant: str = "compromise") -> c.Drill:
    """A drill with steps 1..n done right (the reference's actions)."""
    ref, drill = c.reference(variant), c.Drill(variant)
    if n >= 1:
        drill.holders = ref.holders
    if n >= 2:
        drill.issued = ref.issued
    if n >= 3:
        drill.deployed = ref.deployed
    if n >= 4:
        drill.proof = ref.proof
    if n >= 5:
        drill.release = ref.release
    if n >= 6:
        drill.monitoring = ref.monitoring
    return drill


def fails(drill: c.Drill, step: int, *words: str) -> str:
    with pytest.raises(c.StepFailed) as caught:
        c.check_step(drill, step)
    message = str(caught.value)
    for word in words:
        assert word in message, message
    return message


# --- the reference, end to end --------------------------------------------------------------------------

@pytest.mark.parametrize("variant", c.VARIANTS)
def test_the_reference_solution_passes_every_step(variant):
    report = c.reference_report(variant)
    assert report.passed, report.text()
    assert [r.step for r in report.results] == list(c.STEPS)


def test_the_fleet_comes_from_lesson_07s_adoption_model_and_lesson_08s_generators():
    fleet = c.fleet()
    assert abs(sum(v.share for v in fleet) - 1) < 0.002
    by_name = {v.name: v for v in fleet}
    assert by_name["Android 3.2"].config.startswith("<?xml") and "expiration=\"2027-03-01\"" in by_name["Android 3.2"].config
    assert "NSPinnedLeafIdentities" in by_name["iOS 5.1"].config
    assert "withTrustedRoots: false" in by_name["Flutter 2.0"].config
    assert by_name["iOS 4.9"].share < c.TARGET < by_name["Android 3.2"].share


def test_a_fresh_drill_has_nothing_done():
    drill = c.Drill()
    for step in c.STEPS:
        with pytest.raises(c.StepNotDone):
            c.check_step(drill, step)
    drill.confirm(...)
    assert drill.issue(..., ...) is None and drill.holders is None and drill.issued is None


def test_bad_actions_are_one_sentence():
    drill = c.Drill()
    for action in (lambda: drill.confirm(42), lambda: drill.deploy("cert.pem"), lambda: c.new_backup_key(""),
                   lambda: drill.issue(course_pki().backup_key, "pki.intermediate")):
        with pytest.raises(c.DrillUsageError) as caught:
            action()
        assert "\n" not in str(caught.value) and str(caught.value).endswith(".")


def test_bad_variant_and_bad_drill():
    with pytest.raises(c.DrillUsageError, match="no drill variant"):
        c.Drill("meteor")
    with pytest.raises(c.StepFailed, match="Drill object"):
        c.check_step("drill", 1)


# --- step 1: who survives the move ----------------------------------------------------------------------

@pytest.mark.parametrize("variant, holders, words", [
    ("compromise", ["Android 3.2", "Android 3.4", "iOS 5.1", "Flutter 1.8", "Flutter 2.0"], ("missing", "Android")),
    ("compromise", ["Android 3.0", "Android 3.2", "Android 3.4", "iOS 5.1"], ("missing", "Flutter")),
    ("compromise", ["Android 3.0", "Android 3.2", "Android 3.4", "iOS 4.9", "iOS 5.1", "Flutter 1.8",
                    "Flutter 2.0"], ("iOS 4.9 (0.6% of users) holds key 1 and key 2", "you listed it")),
    ("compromise", ["Android 9.9"], ("not a version in the fleet",)),
    ("distrust", ["Android 3.0", "Android 3.2", "Android 3.4", "iOS 4.9", "iOS 5.1", "Flutter 1.8",
                  "Flutter 2.0"], ("Flutter 1.8", "trusts only YourApp Issuing CA 1")),
])
def test_step1_wrong_lists(variant, holders, words):
    drill = c.Drill(variant)
    drill.confirm(holders)
    fails(drill, 1, *words)


def test_step1_accepts_names_in_any_case_and_spacing():
    drill = c.Drill()
    drill.confirm([f"  {name.upper()} " for name in c._survivors("compromise")])
    assert c.check_step(drill, 1).startswith("The models agree")


# --- step 2: the new certificate ------------------------------------------------------------------------

def test_step2_on_the_compromised_key(pki):
    drill = upto(1)
    drill.issue(pki.leaf.key, pki.intermediate)
    fails(drill, 2, "key 1, the compromised key")


def test_step2_on_a_key_the_fleet_does_not_hold_names_who_is_locked_out(pki):
    drill = upto(1)
    drill.issue(pki.leaf_rekeyed.key, pki.intermediate)
    fails(drill, 2, "on key 2", "Android 3.4 (38.4% of users) holds key 1 and key 3 (backup)", "locked out")


def test_step2_from_an_untrusted_ca(pki):
    drill = upto(1)
    drill.issue(pki.backup_key, pki.rogue_ca)
    fails(drill, 2, "does not validate")


def test_step2_distrust_from_the_distrusted_intermediate(pki):
    drill = upto(1, "distrust")
    drill.issue(pki.leaf.key, pki.intermediate)
    fails(drill, 2, "distrusted", "other intermediate")


def test_step2_distrust_spending_the_backup(pki):
    drill = upto(1, "distrust")
    drill.issue(pki.backup_key, pki.intermediate2)
    fails(drill, 2, "never compromised")


def test_step2_bad_arguments(pki):
    with pytest.raises(c.DrillUsageError, match="private key"):
        c.Drill().issue("backup", pki.intermediate)


# --- step 3: the deployment, checked by real handshakes -------------------------------------------------

def test_step3_without_the_intermediate(pki):
    drill = upto(2)
    drill.deploy([drill.issued.cert], drill.issued.key)
    fails(drill, 3, "real handshake with a plain CA client fails", "send the intermediate")


def test_step3_with_the_wrong_key(pki):
    drill = upto(2)
    drill.deploy(drill.issued.chain, pki.leaf.key)
    fails(drill, 3, "key does not belong")


def test_step3_still_the_compromised_certificate(pki):
    drill = upto(2)
    drill.deploy(pki.leaf)
    fails(drill, 3, "still presents key 1")


def test_step3_another_certificate_than_the_one_issued(pki):
    drill = upto(2)
    drill.deploy(pki.leaf_on_backup_key)
    fails(drill, 3, "other than the one you issued")


def test_step3_distrust_still_sending_the_old_intermediate(pki):
    drill = upto(2, "distrust")
    drill.deploy(pki.leaf)
    fails(drill, 3, "distrusted intermediate")


def test_step3_reports_the_real_handshakes():
    message = c.check_step(upto(3), 3)
    assert "5 of 6 client kinds connect" in message and "refused: pins key 1 + key 2)" in message


# --- step 4: the proof, with every platform's model -----------------------------------------------------

def test_step4_a_stale_proof(pki):
    drill = upto(3)
    drill.prove()
    drill.deploy(pki.leaf_on_backup_key)
    fails(drill, 4, "another chain")


def test_step4_a_deployment_that_locks_out_a_large_version(pki):
    drill = upto(1)
    drill.deploy(pki.leaf_rekeyed)   # skipping step 2's check: key 2, which only iOS 4.9 holds
    drill.prove()
    fails(drill, 4, "Android 3.4 (38.4% of users) holds key 1 and key 3 (backup)", "Android model refuses")


def test_step4_distrust_judged_on_the_day_the_distrust_takes_effect(pki):
    drill = upto(1, "distrust")
    drill.deploy(pki.leaf_renewed)   # a fresh certificate, but from the distrusted intermediate
    drill.prove()
    fails(drill, 4, "more than the 1% target")


def test_step4_a_loose_target():
    drill = upto(3)
    drill.prove(target=0.2)
    fails(drill, 4, "target of 0.2")


def test_step4_proof_table_lists_every_version():
    drill = upto(3)
    text = drill.prove().text()
    assert all(v.name in text for v in c.fleet())


# --- step 5: the new release ----------------------------------------------------------------------------

@pytest.mark.parametrize("pins, words", [
    (lambda p: [spki_pin(p.leaf_on_backup_key.cert)], ("fewer than two distinct pins",)),
    (lambda p: [backup_pin(), backup_pin("key 5")], ("does not pin the key the server presents",)),
    (lambda p: [spki_pin(p.leaf_on_backup_key.cert), spki_pin(p.leaf.cert)], ("still pins key 1",)),
    (lambda p: [spki_pin(p.leaf_on_backup_key.cert), spki_pin(p.leaf_rekeyed.cert)],
     ("key 2, a key the fleet already knew", "NEW")),
    (lambda p: [spki_pin(p.leaf_on_backup_key.cert), "not-a-pin"], ("cannot go in a configuration",)),
])
def test_step5_wrong_releases(pins, words, pki):
    drill = upto(4)
    drill.ship("3.6", pins(pki))
    fails(drill, 5, *words)


def test_step5_distrust_anchoring_flutter_on_the_old_intermediate(pki):
    drill = upto(4, "distrust")
    drill.ship("3.6", [spki_pin(pki.leaf.cert), backup_pin()], [pki.intermediate])
    fails(drill, 5, "still anchors on the distrusted intermediate")


def test_step5_distrust_accepts_the_unspent_backup_key(pki):
    """Review 0910 item 2: in the distrust variant key 3 was never spent, so [key 1, key 3] is right."""
    drill = upto(4, "distrust")
    drill.ship("3.6", [spki_pin(pki.leaf.cert), spki_pin(pki.leaf_on_backup_key.cert)], [pki.root.cert])
    assert "lint passes" in c.check_step(drill, 5)
    drill.ship("3.7", [spki_pin(pki.leaf.cert), spki_pin(pki.leaf_rekeyed.cert)], [pki.root.cert])
    fails(drill, 5, "key 2", "retired")   # key 2 was retired: not a backup anyone should rely on


def test_step5_the_release_is_linted_and_modelled(pki):
    drill = upto(4)
    drill.ship("3.6", [spki_pin(pki.leaf_on_backup_key.cert), backup_pin()])
    assert "lint passes" in c.check_step(drill, 5)
    assert "<pin-set>" in drill.release.configs["Android"]


# --- step 6: monitoring ---------------------------------------------------------------------------------

@pytest.mark.parametrize("uri, days, when, words", [
    ("http://reports.yourapp.net/", (150, 30), "2027-02-01", ("not an https:// URL",)),
    ("https://api.yourapp.com/pin-report", (150, 30), "2027-02-01", ("pinned host itself",)),
    ("https://reports.yourapp.net/", (30, 14), "2027-02-01", ("a release needs 135 days",)),
    ("https://reports.yourapp.net/", (150, 30), "2028-01-01", ("200-day cap",)),
    ("https://reports.yourapp.net/", (150, 30), "2026-10-01", ("before today",)),
])
def test_step6_wrong_monitoring(uri, days, when, words):
    drill = upto(5)
    drill.monitor(uri, days, when)
    fails(drill, 6, *words)


def test_step6_bad_arguments():
    with pytest.raises(c.DrillUsageError, match="YYYY-MM-DD"):
        c.Drill().monitor("https://x.example/", ("soon",), "tomorrow")


# --- step 7: all-clear ----------------------------------------------------------------------------------

def test_step7_declared_too_early():
    drill = upto(3)
    drill.all_clear()
    fails(drill, 7, "not all clear: step 4")


def test_step7_compromise_all_clear_names_revocation_and_the_forced_update():
    said = c.check_step(c.reference("compromise"), 7)
    assert "BR 4.9.1.1" in said and "force the update" in said and "pins nothing" in said
    assert "BR 4.9.1.1" not in c.check_step(c.reference("distrust"), 7)   # nothing was stolen there


def test_step7_checks_again_rather_than_trusting_the_saved_report(pki):
    drill = upto(6)
    drill.all_clear()
    assert c.check_step(drill, 7).startswith("All clear")
    drill.deployed = (tuple(pki.leaf.chain), pki.leaf.key)   # someone rolls the server back afterwards
    fails(drill, 7, "not all clear")


# --- the figure's data and the command line -------------------------------------------------------------

@pytest.mark.parametrize("variant, locked", [("compromise", "iOS 4.9"), ("distrust", "Flutter 1.8")])
def test_incident_result_shows_the_small_lockout_only(variant, locked):
    result = c.incident_result(variant)
    assert 0 < result.summary.peak_lockout < c.TARGET
    worst = result.versions[int(result.per_version(2).max(axis=1).argmax())]
    assert worst == locked


@pytest.mark.parametrize("variant", c.VARIANTS)
def test_drill_cli_runs_the_reference(variant):
    out = subprocess.run([sys.executable, "-m", "helpers", "drill", "--variant", variant], capture_output=True,
                         text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("✓") == 7


def test_drill_cli_bad_variant_exits_2():
    out = subprocess.run([sys.executable, "-m", "helpers", "drill", "--variant", "meteor"], capture_output=True,
                         text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 2 and "error:" in out.stderr
