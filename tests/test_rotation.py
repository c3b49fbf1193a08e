"""The rotation simulator and planner: hand-computed cases, properties and error messages."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from helpers.errors import BadInputError
from helpers.pinning.strategy import Strategy, UnknownStrategyError
from helpers.rotation import (
    LOCKED_OUT,
    SCENARIOS,
    Cert,
    DateError,
    NotATimelineError,
    OutOfRangeError,
    PinLabelError,
    Release,
    ScheduleError,
    Timeline,
    UnknownScenarioError,
    UnknownSettingError,
    Users,
    UsersError,
    build_timeline,
    max_lifetime,
    plan_rotation,
    scenario,
    simulate,
)

S = dt.date(2026, 9, 1)


def day(n: int) -> dt.date:
    return S + dt.timedelta(days=n)


def key_schedule(rekey_day: int, end: int = 400) -> tuple[Cert, ...]:
    """K1 from day 0, K2 from ``rekey_day``, both long-lived (no renewals to muddy the sums)."""
    return (Cert("C1", S, S, day(end + 10), "K1"), Cert("C2", day(rekey_day), day(rekey_day), day(end + 10), "K2"))


# --- two small scenarios, checked against values computed by hand -----------------------------

def test_hand_computed_backup_pin_shipped_late():
    """v2 (pins K1+K2) goes live on day 12; the server moves to K2 on day 60.

    On day 60 everyone still on v1 is locked out: the never-updaters (10%) plus the
    updaters who have not updated in 48 days, 0.9 * 2**(-48/10).
    """
    certs = key_schedule(60, end=120)
    releases = (Release("v1", day(-2), day(0), {"key:K1"}), Release("v2", day(10), day(12), {"key:K1", "key:K2"}))
    res = simulate(Timeline(S, day(120), certs, releases, Users(half_life_days=10, never_update=0.1)))
    locked = res.locked_out
    assert locked[59] == 0
    assert locked[60] == pytest.approx(0.1 + 0.9 * 2 ** -4.8, abs=1e-12)
    assert res.on(day(22)) == {"connected": 1.0, "unprotected": 0.0, "locked out": 0.0}
    assert res.share[1, 22] == pytest.approx(0.9 * 0.5, abs=1e-12)          # one half-life after going live
    assert res.per_version(LOCKED_OUT)[:, 60] == pytest.approx([0.1 + 0.9 * 2 ** -4.8, 0.0])
    r = 2 ** -0.1                                                              # days 60..120: a geometric series
    by_hand = 61 * 0.1 + 0.9 * 2 ** -4.8 * (1 - r ** 61) / (1 - r)
    s = res.summary
    assert s.user_days_locked_out == pytest.approx(by_hand, rel=1e-12)
    assert (s.first_lockout, s.peak_day, s.last_lockout) == (day(60), day(60), day(120))
    assert s.peak_lockout == pytest.approx(0.1 + 0.9 * 2 ** -4.8)
    assert s.days_unprotected == 0


def test_hand_computed_pin_expiry_fails_open():
    """One version pinning K1 with pins expiring on day 30; the server rekeys on day 20.

    Days 20-29: everyone is locked out (10 user-days). From day 30: everyone connects,
    unprotected.
    """
    certs = key_schedule(20, end=60)
    releases = (Release("v1", day(-2), day(0), {"key:K1"}, expires=day(30)),)
    res = simulate(Timeline(S, day(60), certs, releases, Users(10, 0.3)))
    assert res.locked_out.tolist() == [0.0] * 20 + [1.0] * 10 + [0.0] * 31
    assert res.unprotected.tolist() == [0.0] * 30 + [1.0] * 31
    s = res.summary
    assert (s.user_days_locked_out, s.first_lockout, s.last_lockout) == (10.0, day(20), day(29))
    assert (s.days_unprotected, s.user_days_unprotected) == (31, 31.0)


def test_hand_computed_force_update_halves_daily():
    """v2 with K2 goes live the day the server rekeys. With force-update (half-life 1 day)
    the locked-out share halves every day, never-updaters included; without it, the
    never-updaters stay locked out."""
    certs = key_schedule(10, end=40)
    releases = (Release("v1", day(-2), day(0), {"key:K1"}), Release("v2", day(8), day(10), {"key:K2"}))
    forced = simulate(Timeline(S, day(40), certs, releases, Users(10, 0.5, force_update=True)))
    plain = simulate(Timeline(S, day(40), certs, releases, Users(10, 0.5)))
    for k in range(0, 30):
        assert forced.locked_out[10 + k] == pytest.approx(2.0 ** -k, rel=1e-9)
        assert plain.locked_out[10 + k] == pytest.approx(0.5 + 0.5 * 2 ** (-k / 10), rel=1e-9)


# --- properties -------------------------------------------------------------------------------

users_st = st.builds(Users, half_life_days=st.floats(1, 60), never_update=st.floats(0, 0.3),
                     force_update=st.booleans())


@settings(max_examples=60, deadline=None)
@given(half_life=st.floats(1, 40), target=st.floats(0.001, 0.05), never_frac=st.floats(0, 0.9),
       review=st.integers(0, 14), rotation=st.integers(150, 400))
def test_backup_shipped_early_enough_keeps_lockout_within_target(half_life, target, never_frac, review, rotation):
    never = target * never_frac           # never-updaters sit on v1, which lacks K2: they must fit the target
    adoption = math.ceil(half_life * math.log2((1 - never) / (target - never)) - 1e-9)
    ship = rotation - review - adoption
    assume(ship >= 0)
    users = Users(half_life, never)

    def peak(ship_day: int) -> float:
        releases = (Release("v1", day(-review), day(0), {"key:K1"}),
                    Release.ship("v2", day(ship_day), {"key:K1", "key:K2"}, review_days=review))
        return simulate(Timeline(S, day(rotation + 30), key_schedule(rotation, rotation + 30), releases,
                                 users)).summary.peak_lockout

    assert peak(ship) <= target + 1e-12
    if adoption >= 1 and ship + 1 + review <= rotation:
        assert peak(ship + 1) > target        # a day later is too late: the bound is tight


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(users=users_st.filter(lambda u: not u.force_update), review=st.integers(0, 10),
       cadence=st.integers(3, 40), rekey=st.integers(30, 600))
def test_rekey_without_backup_locks_out_at_least_the_never_updaters(users, review, cadence, rekey):
    tl = build_timeline(strategy="leaf-spki", rollovers=(day(rekey),), review_days=review, cadence_days=cadence,
                        half_life_days=users.half_life_days, never_update=users.never_update)
    res = simulate(tl)
    assert np.all(res.locked_out[rekey:] >= users.never_update - 1e-12)


@settings(max_examples=40, deadline=None)
@given(expiry=st.integers(15, 300), rekey=st.integers(30, 500), users=users_st, cadence=st.integers(3, 40))
def test_pin_set_expiry_bounds_when_a_lockout_ends(expiry, rekey, users, cadence):
    tl = build_timeline(strategy="leaf-spki", rollovers=(day(rekey),), pin_expiry_days=expiry,
                        cadence_days=cadence, half_life_days=users.half_life_days,
                        never_update=users.never_update, force_update=users.force_update)
    summary = simulate(tl).summary
    lacking = [r.expires for r in tl.releases if "key:K2" not in r.pins]
    assert summary.last_lockout is None or summary.last_lockout < max(lacking)
    assert summary.last_lockout is None or summary.last_lockout < day(rekey) + dt.timedelta(days=expiry)


@settings(max_examples=60, deadline=None)
@given(strategy=st.sampled_from(["certificate", "leaf-spki", "leaf-spki+backup", "intermediate", "root"]),
       lifetime=st.sampled_from([6, 45, 90, 200]), key_reuse=st.booleans(), users=users_st,
       review=st.integers(0, 14), cadence=st.integers(1, 60), expiry=st.one_of(st.none(), st.integers(1, 400)),
       years=st.floats(0.2, 3))
def test_shares_always_sum_to_one(strategy, lifetime, key_reuse, users, review, cadence, expiry, years):
    assume(years * 365 / cadence < 1000)  # the simulator refuses more than 1,000 releases, on purpose
    tl = build_timeline(strategy=strategy, lifetime=lifetime, key_reuse=key_reuse, review_days=review,
                        cadence_days=cadence, pin_expiry_days=expiry, years=years, rollovers=(day(40),),
                        half_life_days=users.half_life_days, never_update=users.never_update,
                        force_update=users.force_update)
    res = simulate(tl)
    assert np.all(res.share >= -1e-12)
    np.testing.assert_allclose(res.share.sum(axis=0), 1.0, atol=1e-12)
    np.testing.assert_allclose(res.connected + res.unprotected + res.locked_out, 1.0, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(half_life=st.floats(1, 30), never=st.floats(0, 0.2), review=st.integers(0, 10),
       cadence=st.integers(3, 30), target=st.floats(0.002, 0.05), rekey=st.integers(100, 500))
def test_a_feasible_plan_meets_its_target(half_life, never, review, cadence, target, rekey):
    certs = build_timeline(strategy="leaf-spki+backup", rollovers=(day(rekey),)).certs
    plan = plan_rotation(certs, "leaf-spki+backup", start=S, end=day(729), users=Users(half_life, never),
                         review_days=review, cadence_days=cadence, target=target)
    # K2 is in the first release, which every user has on day 0: any rotation day is safe.
    assert plan.feasible and plan.changes[0].in_first_release and plan.changes[0].earliest_rotation == S
    assert plan.result.summary.peak_lockout <= target + 1e-12


# --- the scenarios ----------------------------------------------------------------------------

def test_catalogue_has_the_ten_stories():
    assert list(SCENARIOS) == ["cert-pin-90d", "spki-key-reused", "rekey-no-backup", "backup-pin-rotation",
                               "forgotten-rotation-pin-expiry", "force-update-safety-net",
                               "cdn-switches-intermediate", "cdn-root-set", "proactive-force-update",
                               "planned-rekey-rollback"]


def test_scenarios_tell_their_stories():
    s = {name: simulate(scenario(name)).summary for name in SCENARIOS}
    assert s["cert-pin-90d"].peak_lockout > 0.9
    assert s["spki-key-reused"].first_lockout is None
    assert s["rekey-no-backup"].last_lockout == scenario("rekey-no-backup").end   # never-updaters, for good
    assert s["backup-pin-rotation"].first_lockout is None and s["backup-pin-rotation"].days_unprotected == 0
    rescued = s["forgotten-rotation-pin-expiry"]
    assert rescued.last_lockout < scenario("rekey-no-backup").end and rescued.days_unprotected > 0
    assert s["force-update-safety-net"].user_days_locked_out < s["rekey-no-backup"].user_days_locked_out / 2
    assert s["cdn-switches-intermediate"].first_lockout == dt.date(2027, 6, 28)
    assert s["cdn-root-set"].first_lockout is None
    assert 0 < s["proactive-force-update"].peak_lockout <= 0.005 + 1e-9        # only the dormant users
    rollback = s["planned-rekey-rollback"]
    assert rollback.first_lockout == rollback.last_lockout == dt.date(2027, 6, 1)


def test_backup_rescues_scenario_three():
    assert simulate(scenario("rekey-no-backup", strategy="leaf-spki+backup")).summary.first_lockout is None


def test_sc081_phases():
    assert [max_lifetime(d) for d in ("2026-03-14", "2026-03-15", "2027-03-15", "2029-03-14", "2029-03-15")] \
        == [398, 200, 100, 100, 47]


# --- the planner --------------------------------------------------------------------------------

def test_planner_calendar_for_a_backup_rotation():
    certs = key_schedule(300, end=500)
    plan = plan_rotation(certs, "leaf-spki", start=S, end=day(500), users=Users(10, 0.0), review_days=2,
                         target=0.005, known_from={"key:K2": day(100)})
    (change,) = plan.changes
    adoption = math.ceil(10 * math.log2(1 / 0.005))        # 77 days
    assert change.adoption_days == adoption
    assert change.ship_by == day(300 - 2 - adoption)
    assert change.earliest_rotation == day(100 + 2 + adoption)
    assert plan.feasible and plan.result.summary.peak_lockout <= 0.005
    assert "drop key:K1 from releases built on or after 2027-06-28" in str(plan)


def test_planner_says_certificate_pinning_with_6_day_certificates_cannot_work():
    tl = build_timeline(strategy="certificate", lifetime=6, never_update=0.0, years=0.2)
    plan = plan_rotation(tl.certs, "certificate", start=tl.start, end=tl.end, users=tl.users)
    assert not plan.feasible
    assert "certificate pinning cannot work with 6-day certificates" in plan.changes[0].reasons[0]


def test_planner_says_never_updaters_above_target_are_impossible():
    plan = plan_rotation(key_schedule(200), "leaf-spki", start=S, end=day(400), users=Users(10, 0.03))
    assert not plan.feasible
    assert "3.0% of users never update" in plan.changes[0].reasons[0]
    expiring = plan_rotation(key_schedule(200), "leaf-spki", start=S, end=day(400), users=Users(10, 0.03),
                             pin_expiry_days=150, known_from={"key:K2": S})
    assert expiring.feasible and expiring.result.summary.peak_lockout <= 0.005


# --- bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize("build, error, words", [
    (lambda: Cert("C1", day(10), day(10), day(5), "K1"), DateError, "expires (2026-09-06) before it is issued"),
    (lambda: Cert("C1", day(10), day(3), day(50), "K1"), DateError, "outside its validity"),
    (lambda: Release("v1", day(5), day(3), {"key:K1"}), DateError, "before it was submitted"),
    (lambda: Release("v1", day(5), day(6), {"sha256/abc"}), PinLabelError, "kind:value"),
    (lambda: Release("v1", day(5), day(6), []), PinLabelError, "has no pins"),
    (lambda: Users(never_update=3), UsersError, "write 3% as 0.03"),
    (lambda: Timeline(day(5), day(1), key_schedule(3), (Release("v1", S, S, {"key:K1"}),)), DateError,
     "swap the dates"),
    (lambda: Timeline(S, day(9), key_schedule(3), (Release("v1", day(1), day(2), {"key:K1"}),)), ScheduleError,
     "no release is live on the first day"),
    (lambda: scenario("nope"), UnknownScenarioError, "unknown scenario"),
    (lambda: scenario("rekey-no-backup", colour="red"), UnknownSettingError, "unknown scenario setting"),
    (lambda: build_timeline(strategy="spki"), UnknownStrategyError, "unknown pin strategy 'spki'"),
    (lambda: build_timeline(cadence_days=0), OutOfRangeError, "cadence_days is 0"),
    (lambda: simulate("a timeline"), NotATimelineError, "needs a Timeline, not str"),
    (lambda: Cert("C1", "01/02/2027", S, day(3), "K1"), DateError, "YYYY-MM-DD"),
])
def test_bad_input_is_one_clear_sentence(build, error, words):
    with pytest.raises(error, match="^[^\n]*$") as info:
        build()
    assert words in str(info.value)
    assert isinstance(info.value, BadInputError) and error.__module__.startswith("helpers.")


def test_one_vocabulary_for_pin_strategies():
    """PLAN.json's spellings are the values; the renewal matrix shows the labels; typos get one sentence."""
    assert [s.value for s in Strategy] == ["certificate", "leaf-spki", "leaf-spki+backup", "intermediate", "root"]
    assert [s.label for s in Strategy] == ["certificate pin", "leaf SPKI", "leaf SPKI + backup",
                                           "intermediate SPKI", "root SPKI"]
    assert all(s.description for s in Strategy) and len({s.description for s in Strategy}) == 5
    assert Strategy.parse("leaf-spki+backup") is Strategy.LEAF_SPKI_BACKUP
    assert build_timeline(strategy="root").strategy is Strategy.ROOT
    with pytest.raises(UnknownStrategyError, match="^unknown pin strategy 'leaf SPKI'; use one of certificate, "):
        Strategy.parse("leaf SPKI")


@settings(max_examples=30, deadline=None)
@given(users=users_st, cadence=st.integers(1, 60), rekey=st.integers(1, 700))
def test_the_constant_rate_shortcut_agrees_with_the_general_model(users, cadence, rekey):
    """Without force-update the simulator uses one decay curve; the general two-population
    model (force-update with nothing locked out) must give the same shares."""
    from helpers.rotation.model import _shares_at_constant_rate, _shares_with_force_update

    tl = build_timeline(cadence_days=cadence, rollovers=(day(rekey),), half_life_days=users.half_life_days,
                        never_update=users.never_update)
    nothing_locked = np.zeros((len(tl.releases), tl.days), dtype=bool)
    np.testing.assert_allclose(_shares_at_constant_rate(tl, nothing_locked.shape),
                               _shares_with_force_update(tl, nothing_locked), atol=1e-12)


def test_the_catalogue_table_has_one_row_per_scenario():
    from helpers.rotation import catalogue_table

    table = catalogue_table()
    assert [row[0] for row in table.rows] == list(SCENARIOS)
    last = {row[0]: row[3] for row in table.rows}
    assert last["rekey-no-backup"] == "never ends" and last["backup-pin-rotation"] == "none"
    assert str(table).splitlines()[0].split()[:3] == ["scenario", "peak", "lockout"]
