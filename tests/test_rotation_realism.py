"""Issue 15: the realistic rotation model: adoption mixtures and CSV curves, stores, force-update,
rollback, root sets, intermediate pools, per-platform expiry, and monitoring that probes what is served."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.errors import BadInputError
from helpers.rotation import build_timeline, scenario, simulate
from helpers.rotation.adoption import EXAMPLES, Adoption, example
from helpers.rotation.model import NOBODY, UNPROTECTED, Users
from helpers.rotation.monitoring import fault_drill, fixed_alerts, healthy_counts, inject, probe_alerts
from helpers.rotation.scenarios import REKEY_DAY, START, certificate_schedule
from helpers.rotation.stores import platform

DAY = dt.timedelta(days=1)
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- adoption ---------------------------------------------------------------------------------------

@FAST
@given(head=st.floats(0, 1), fast=st.floats(0.1, 20), slow=st.floats(1, 400), never=st.floats(0, 0.5),
       days=st.lists(st.floats(0, 2000), min_size=2, max_size=30))
def test_mixture_shares_are_monotone_and_bounded(head, fast, slow, never, days):
    curve = Adoption.mixture(head, fast, slow, never)
    d = np.sort(np.array(days))
    shares = curve.updated(d)
    assert np.all(np.diff(shares) >= -1e-12)
    assert np.all(shares >= 0) and np.all(shares <= 1 - never + 1e-9)
    assert curve.updated(0) == 0


@FAST
@given(head=st.floats(0, 1), never=st.floats(0, 0.2), installs=st.floats(0, 0.01), churn=st.floats(0, 0.01),
       cut=st.floats(0, 0.1), dormant=st.floats(0, 1))
def test_simulated_shares_partition_the_users(head, never, installs, churn, cut, dormant):
    users = Users(adoption=Adoption.mixture(head, 2, 40, never), installs_per_day=installs, churn_per_day=churn,
                  os_cutoffs=((START + 200 * DAY, cut * (1 - never)),), dormant=dormant * never, force_update=True)
    result = simulate(build_timeline(rollovers=(REKEY_DAY,), users=users, years=1.5))
    assert np.all(result.share >= -1e-9) and np.allclose(result.share.sum(axis=0), 1)


def test_example_curves_load_with_their_provenance():
    for name in ("ios-illustrative", "android-illustrative"):
        curve = example(name)
        assert "ILLUSTRATIVE" in curve.source and curve.fit_error < 0.02
        assert 0 < curve.never_update < 0.1
    assert example("ios-illustrative").days_until(0.5) < example("android-illustrative").days_until(0.5)


@pytest.mark.parametrize("text, words", [
    ("days,share\n0,0\n", "at least two"),
    ("0,0\n10,0.5\n5,0.6\n", "goes back"),
    ("0,0\n10,0.5\n20,0.4\n", "goes back"),
    ("0,0\n10,1.5\n", "from 0 to 1"),
    ("0,0\n10,abc\n", "not two numbers"),
    ("0,0,1\n", "columns"),
    ("0,0\n10,nan\n", "not two numbers"),
])
def test_a_bad_adoption_csv_is_one_sentence(tmp_path, text, words):
    path = tmp_path / "curve.csv"
    path.write_text(text)
    with pytest.raises(BadInputError) as err:
        Adoption.from_csv(path)
    assert words in str(err.value) and str(err.value).count(".") >= 1 and "\n" not in str(err.value)


def test_percentages_and_a_header_are_read(tmp_path):
    path = tmp_path / "curve.csv"
    path.write_text("# measured\ndays,share\n0,0%\n7,50%\n30,80%\n")
    curve = Adoption.from_csv(path)
    assert abs(curve.updated(7) - 0.5) < 0.05 and curve.source == "measured"


# --- force-update, rollback, strategies ---------------------------------------------------------------

@FAST
@given(lead=st.integers(25, 120), dormant=st.floats(0, 1), cut=st.floats(0, 0.05))
def test_a_proactive_bump_shipped_early_enough_prevents_lockout_for_everyone_who_can_update(lead, dormant, cut):
    """Releases carry K2 from 100 days before the rekey; the bump to the first of them comes ``lead`` days
    before it. Only users who cannot update (dormant, or stuck on an old OS) may be locked out."""
    k2_from, bump = REKEY_DAY - 100 * DAY, REKEY_DAY - lead * DAY
    never = 0.03

    def pins(day):
        return frozenset({"key:K2"} if day >= REKEY_DAY else {"key:K1", "key:K2"} if day >= k2_from else {"key:K1"})

    base = build_timeline(rollovers=(REKEY_DAY,), pins=pins)
    first = next(r.version for r in base.releases if r.submitted >= k2_from)
    cutoff = k2_from + 3 * DAY                     # the first release with K2 drops an old OS
    users = Users(never_update=never, dormant=dormant * never, os_cutoffs=((cutoff, cut),),
                  min_versions=((bump, first),))
    result = simulate(dataclasses.replace(base, users=users))
    cannot = users.dormant + cut
    assert result.locked_out.max() <= cannot + 1e-6


def test_without_the_bump_the_same_timeline_locks_out_the_never_updaters():
    result = simulate(scenario("proactive-force-update", min_versions=()))
    assert result.summary.peak_lockout > 0.02


@FAST
@given(hours=st.integers(1, 96), day=st.integers(200, 500))
def test_rollback_bounds_a_planned_rotations_lockout_to_its_window(hours, day):
    rekey = START + day * DAY
    result = simulate(build_timeline(rollovers=(rekey,), rollback_hours=hours))
    window = -(-hours // 24)
    locked_days = int((result.locked_out > NOBODY).sum())
    assert 1 <= locked_days <= window


def test_a_forced_rotation_cannot_be_rolled_back():
    result = simulate(build_timeline(forced_rollovers=(REKEY_DAY,), rollback_hours=4))
    assert (result.locked_out > NOBODY).sum() > 100


ROOTS = ("ISRG Root X1", "ISRG Root X2", "GTS Root R4", "DigiCert Global Root G2")


@FAST
@given(switches=st.lists(st.tuples(st.integers(30, 700), st.sampled_from(ROOTS)), min_size=1, max_size=4))
def test_a_root_set_survives_any_ca_switch_within_the_set(switches):
    events = [(START + d * DAY, f"I-{root[:4]}", root) for d, root in switches]
    timeline = build_timeline(strategy="root", ca_switches=events, extra_pins=[f"root:{r}" for r in ROOTS])
    assert simulate(timeline).summary.first_lockout is None


@FAST
@given(seed_day=st.integers(0, 60))
def test_an_intermediate_pool_pin_breaks_at_the_first_issuance_from_the_other_unless_both_are_pinned(seed_day):
    start = START + seed_day * DAY
    one = build_timeline(strategy="intermediate", intermediate_pool=("R10", "R11"), start=start, lifetime=47,
                         key_reuse=False)
    first = one.certs[0].intermediate
    other = next((c for c in one.certs if c.intermediate != first), None)
    assert other is not None
    # releases built before the switch pin only the first intermediate
    assert simulate(one).summary.first_lockout == other.deployed
    both = build_timeline(strategy="intermediate", intermediate_pool=("R10", "R11"), start=start, lifetime=47,
                          key_reuse=False, extra_pins=("intermediate:R10", "intermediate:R11"))
    assert simulate(both).summary.first_lockout is None


def test_pool_picks_are_the_same_on_every_run():
    a = certificate_schedule(START, START + 400 * DAY, lifetime=47, intermediate_pool=("R10", "R11"))
    b = certificate_schedule(START, START + 400 * DAY, lifetime=47, intermediate_pool=("R10", "R11"))
    assert a == b and {c.intermediate for c in a} == {"R10", "R11"}


def test_k_backup_keys_cover_k_rekeys_for_the_never_updaters():
    def lockout(k):
        return simulate(build_timeline(strategy="leaf-spki+backup", lifetime=47, key_reuse=False,
                                       backup_keys=k)).summary.first_lockout
    assert lockout(1) < lockout(3)


def test_a_second_hostname_spares_the_old_versions():
    plain = simulate(scenario("rekey-no-backup")).summary
    mitigated = simulate(scenario("rekey-no-backup", second_host_from=REKEY_DAY - 120 * DAY)).summary
    assert plain.peak_lockout > 0.9 and mitigated.first_lockout is None


# --- stores and platforms ------------------------------------------------------------------------------

def test_expiry_only_where_the_platform_has_it():
    timeline = scenario("forgotten-rotation-pin-expiry", platforms=("ios", "android"))
    result = simulate(timeline)
    unprotected = {name: (result.share * (result.state == UNPROTECTED))[[
        v for v, r in enumerate(result.timeline.releases) if r.version.startswith(name)]].sum()
        for name in ("iOS", "Android")}
    assert unprotected["iOS"] == 0 and unprotected["Android"] > 0
    assert np.allclose(result.share.sum(axis=0), 1)


def test_store_delays_move_the_live_date_and_keep_the_pins_of_submission():
    ios = platform("ios", reject_chance=1.0)
    base = build_timeline(rollovers=(REKEY_DAY,), platforms=(ios,))
    release = base.releases[5]
    assert ios.live(release, base.start) == release.submitted + (1 + 6 + 2) * DAY
    rows = simulate(base).timeline.releases
    assert rows[5].pins == release.pins


def test_absolute_android_expiry_is_one_date_for_every_release():
    timeline = build_timeline(pin_expiry_on="2027-03-01")
    assert {r.expires for r in timeline.releases} == {dt.date(2027, 3, 1)}


# --- monitoring ---------------------------------------------------------------------------------------

def test_healthy_three_years_of_47_day_certificates():
    counts = healthy_counts(years=3, lifetime=47)
    print(counts)
    assert counts["probes of the served certificate"] == (0, 0)
    fixed, noise = counts["fixed 90/60/30/14 days"]
    assert fixed > 100 and noise > 100


@pytest.mark.parametrize("fault", ["renewal fails", "unpinned key"])
@pytest.mark.parametrize("day", ["2027-02-01", "2027-06-01", "2028-03-10"])
def test_each_injected_fault_alerts_before_anyone_is_locked_out(fault, day):
    healthy = build_timeline(strategy="leaf-spki+backup", lifetime=47, key_reuse=True, years=3)
    broken = inject(healthy, fault, day)
    alerts = probe_alerts(broken)
    first = simulate(broken).summary.first_lockout
    assert alerts and first is not None and alerts[0].fires_on < first


def test_fault_drill_table():
    text = str(fault_drill())
    assert text.count("yes") == 2


def test_fixed_alerts_fire_many_times_on_healthy_certificates():
    healthy = build_timeline(strategy="leaf-spki+backup", lifetime=47, key_reuse=True, years=3)
    assert len(fixed_alerts(healthy.certs)) > 100 and probe_alerts(healthy) == []


def test_adoption_examples_folder_ships_the_curves():
    assert (EXAMPLES / "ios-illustrative.csv").exists() and (EXAMPLES / "android-illustrative.csv").exists()


# --- python -m helpers plan with the new fields -------------------------------------------------------------

import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _plan(*args):
    return subprocess.run([sys.executable, "-m", "helpers", "plan", *args], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def test_the_realistic_example_plan_runs():
    out = _plan("data/adoption/realistic-plan.json")
    assert out.returncode == 0, out.stderr
    assert "Adoption: ios-illustrative" in out.stdout and "ILLUSTRATIVE" in out.stdout


def test_an_adoption_csv_on_the_command_line():
    out = _plan("--scenario", "backup-pin-rotation", "--adoption", "data/adoption/android-illustrative.csv")
    assert out.returncode == 0, out.stderr
    assert "Adoption: android-illustrative" in out.stdout


@pytest.mark.parametrize("args, words", [
    (["--scenario", "rekey-no-backup", "--adoption", "/no/such.csv"], "no adoption CSV"),
    (["--scenario", "rekey-no-backup", "--adoption", "data"], "is a folder, not an adoption CSV"),
    (["--scenario", "rekey-no-backup", "--adoption", "data/plans/example.json"], "columns"),
    (["--scenario", "rekey-no-backup", "--adoption", ""], "--adoption is empty"),
    (["--list", "--adoption", "x.csv"], "--list takes no"),
])
def test_a_bad_adoption_argument_is_one_sentence_and_exit_2(args, words):
    out = _plan(*args)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.startswith("error: ") and out.stderr.count("\n") == 1 and words in out.stderr, out.stderr


@pytest.mark.parametrize("change, words", [
    ({"platforms": ["ios", "windows"]}, "not one of ios"),
    ({"platforms": "ios"}, "must be a JSON list"),
    ({"extra_pins": ["ISRG Root X2"]}, "kind:value"),
    ({"backup_keys": 0}, "backup_keys"),
    ({"backup_keys": 1.5}, "whole number of keys"),
    ({"users": {"adoption_csv": 12}}, "must be a string"),
    ({"users": {"adoption_csv": "nope.csv"}}, "no adoption CSV"),
    ({"users": {"dormant": 0.5}}, "part of the never-updaters"),
    ({"users": {"os_cutoffs": [{"date": "2027-01-01"}]}}, "os_cutoffs[0].share"),
    ({"users": {"os_cutoffs": [{"date": "soon", "share": 0.1}]}}, "YYYY-MM-DD"),
    ({"users": {"min_versions": [{"date": "2027-01-01", "version": "9.9"}]}}, "not one of the releases"),
    ({"users": {"churn_per_day": 2}}, "between 0 and 1"),
    ({"schedule": {"intermediate_pool": "R10"}}, "must be a JSON list"),
    ({"schedule": {"forced_rollovers": ["tomorrow"]}}, "YYYY-MM-DD"),
])
def test_bad_new_fields_are_one_sentence_and_exit_2(tmp_path, change, words):
    data = json.loads((ROOT / "data" / "plans" / "example.json").read_text())
    data.update(change)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data))
    out = _plan(str(path))
    assert out.returncode == 2 and out.stdout == "", (out.returncode, out.stdout[-300:])
    assert out.stderr.startswith("error: ") and out.stderr.count("\n") == 1, out.stderr
    assert words in out.stderr, out.stderr


@FAST
@given(head=st.floats(0.2, 0.9), slow=st.floats(5, 30), never=st.floats(0, 0.003))
def test_the_planner_meets_its_target_with_a_mixture(head, slow, never):
    from helpers.rotation import plan_rotation

    users = Users(adoption=Adoption.mixture(head, 2, slow, never))
    timeline = scenario("rekey-no-backup")
    plan = plan_rotation(timeline.certs, "leaf-spki", start=timeline.start, end=timeline.end, users=users,
                         target=0.005, known_from={"key:K2": timeline.start})
    assert plan.feasible
    assert plan.result.summary.peak_lockout <= 0.005 + 1e-9
    days = plan.changes[0].adoption_days                # the tail, not the head, sets the days
    assert users.adoption.updated(days) >= 1 - never - (0.005 - never) - 1e-9
