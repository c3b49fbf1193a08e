"""When to pin (lesson 09): a threat-model answer sheet in, a recommendation with cited reasons out.

:func:`decide` is a pure function. It reads an :class:`AnswerSheet` (seven questions, plus the plan
the team has in mind, if any) and returns :class:`Advice`: one :class:`Recommendation`, the reasons
for it, the options that are also defensible, why each other option fails, the contradictions
between the answers, and the operating cost (the rotation calendar of lesson 07's planner and the
monitoring it needs). Every reason carries a :class:`Source`: the documents behind it are listed in
:data:`SOURCES` (from the course's PLATFORMS.md "When to pin" and FACTS.md), or a lesson that
demonstrates it.

``python -m helpers decide ANSWERS.json`` prints the same advice; :data:`PROFILES` holds the five
reference profiles of the lesson, and ``data/decide/`` the same sheets as JSON files.
"""

from __future__ import annotations

import datetime as _dt
import enum
import functools
import hashlib
import json
import numbers
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from .errors import BadInputError
from .pem import read_regular_file
from .pinning.strategy import Strategy
from .platforms import android, dart
from .platforms.policy import ConfigError, Severity
from .rotation.model import Timeline, Users, simulate
from .rotation.planner import plan_rotation
from .rotation.scenarios import START, certificate_schedule, release_train
from .show import Shown, Table

__all__ = [
    "BROKEN_DART", "BROKEN_NSC", "FIXED_DART", "PROFILES", "SOURCES", "Advice", "AnswerSheet", "AnswerSheetError",
    "CheckItem", "Checklist", "DataValue", "KeyControl", "Plan", "Reason", "Recommendation", "Source",
    "case_table", "case_timelines", "decide", "middle_ground", "profile_table", "read_sheet", "scan_for_tokens",
    "sheet_from", "strings", "toy_binary",
]


class AnswerSheetError(BadInputError):
    """An answer sheet that is not the documented shape (one sentence says which answer and how to fix it)."""


class Recommendation(enum.StrEnum):
    MIDDLE_GROUND = "middle-ground"
    PIN_OWN_CA = "pin-own-ca"
    PIN_LEAF = "pin-leaf-with-backups"
    PIN_CDN_ROOTS = "pin-cdn-roots"
    CT_AND_DEFAULTS = "ct-and-defaults"

    @property
    def title(self) -> str:
        return TITLES[self]


TITLES = {
    Recommendation.MIDDLE_GROUND: "do not pin; do the honest middle ground instead",
    Recommendation.PIN_OWN_CA: "pin your own CA or intermediate by trust anchor",
    Recommendation.PIN_LEAF: "pin leaf SPKIs you control, with at least 2 offline backup keys",
    Recommendation.PIN_CDN_ROOTS: "pin the roots of every CA your CDN may use",
    Recommendation.CT_AND_DEFAULTS: "rely on CT and platform defaults",
}
PINNING = (Recommendation.PIN_LEAF, Recommendation.PIN_OWN_CA, Recommendation.PIN_CDN_ROOTS)


class KeyControl(enum.StrEnum):
    YOU = "you"
    CDN = "cdn"
    SAAS = "saas"


class DataValue(enum.StrEnum):
    LOW = "low"            # a hobby app, public content
    PERSONAL = "personal"  # accounts, messages, personal data
    HIGH = "high"          # banking, health, a regulated market, MASVS-L2


class Plan(enum.StrEnum):
    """What the team intends to pin, if it has a plan already (checked for contradictions)."""

    UNDECIDED = "undecided"
    NONE = "none"
    LEAF = "leaf"
    INTERMEDIATE = "intermediate"
    OWN_CA = "own-ca"
    CDN_ROOTS = "cdn-roots"


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    where: str

    def __str__(self) -> str:
        return f"{self.title} ({self.where})"


def _sources(*rows: tuple[str, str, str]) -> dict[str, Source]:
    return {key: Source(key, title, where) for key, title, where in rows}


#: Every document a reason may cite. Lessons count as sources where they demonstrate the claim.
SOURCES = _sources(
    ("masvs", "OWASP MASVS-NETWORK-2: identity pinning for remote endpoints under the developer's control",
     "OWASP MASVS v2, MASVS-NETWORK-2"),
    ("mastg", "OWASP MASTG: missing pinning is not a vulnerability unless the app targets MAS-L2; pin only "
              "endpoints you control, with backup keys and an update strategy", "OWASP MASTG, MASVS-NETWORK-2 tests"),
    ("mastg-0243", "OWASP MASTG-TEST-0243: a pin-set whose expiration is in the past fails", "OWASP MASTG"),
    ("android", "Android: pinning 'is not recommended for Android applications due to the high risk of future "
                "server configuration changes'; always include a backup key",
     "https://developer.android.com/privacy-and-security/security-config"),
    ("android-user-cas", "Android: apps targeting API 24+ trust only system CAs, not user-installed ones; "
                         "overridePins lets a chosen anchor skip the pins",
     "https://developer.android.com/privacy-and-security/security-config"),
    ("apple", "Apple: 'In most cases, pinning is not necessary and should be avoided'; pin a CA key, pin "
              "several keys, keep a recovery path", "https://developer.apple.com/news/?id=g9ejcf8y"),
    ("hpkp", "HPKP removed from Chrome 72: a pin set sure to work is hard to build, sites bricked themselves, "
             "hostile pinning after mis-issuance", "blink-dev deprecation notice, 2017; RFC 7469"),
    ("barclays", "Barclays, November 2016: the app pinned an intermediate its CA retired; an update would take "
                 "weeks, so the CA issued an emergency certificate in breach of BR 7.1",
     "CA/B Forum public list, 2016-11"),
    ("letsencrypt", "Let's Encrypt rotates among several intermediates, which 'discourages outdated practices "
                    "like key pinning'", "Let's Encrypt, March-April 2024"),
    ("gts", "Google Trust Services: pinning its intermediates 'is discouraged and will become increasingly "
            "problematic'", "Google Trust Services guidance"),
    ("expensify", "A CDN moved from one CA to another under a pinning app; the fix pinned the roots of every "
                  "CA the CDN may use", "Expensify/App#100518 (2026)"),
    ("acme-keys", "ACME clients make a new key at every renewal by default (Certbot --reuse-key off; "
                  "cert-manager 1.18+ rotationPolicy: Always)", "Certbot and cert-manager documentation"),
    ("sc081", "CA/B Forum ballot SC-081v3: certificates live at most 200 days from 2026-03-15, 100 from "
              "2027-03-15, 47 from 2029-03-15", "CA/B Forum ballot SC-081v3 (April 2025)"),
    ("trustkit", "TrustKit refuses an enforcing configuration with fewer than two distinct pins and reports "
                 "failures to kTSKReportUris", "datatheorem/TrustKit docs/getting-started.md"),
    ("ct", "Chrome, Apple platforms and Firefox desktop require SCTs, so a mis-issued certificate for your "
           "name shows in public CT logs (crt.sh); most app TLS stacks do not check SCTs",
     "RFC 6962; Firefox 135 release notes"),
    ("caa", "CAA with RFC 8657's accounturi binds issuance for your names to your own ACME account",
     "RFC 8659, RFC 8657"),
    ("lesson05", "The corporate proxy's CA is installed by IT or MDM; the pinned client refuses it",
     "lesson 05 and 06, the attack board"),
    ("lesson07", "Lesson 07's simulator: a rotation without a pin every user already holds locks out everyone "
                 "not yet updated, and never-updaters for good", "lesson 07, scenarios rekey-no-backup and "
                                                                 "backup-pin-rotation"),
    ("lesson08", "Lesson 08's models: each platform reads its pins by its own rules; expiry fails open",
     "lesson 08, docs/platform-rules.md"),
)


@dataclass(frozen=True)
class Reason:
    """One reason, in one sentence, and the source that backs it."""

    text: str
    source: Source
    fields: tuple[str, ...] = ()   # for a contradiction: the answers that clash

    def __str__(self) -> str:
        return f"{self.text} [{self.source.key}]"


def _why(text: str, key: str, *fields: str) -> Reason:
    return Reason(text, SOURCES[key], tuple(fields))


# --- the answer sheet -------------------------------------------------------------------------------------

#: The questions, by field name, in the order the lesson asks them.
QUESTIONS = {
    "key_control": "Who controls the server keys: you, a CDN, or a SaaS vendor?",
    "update_days": "How many days until half of your updating users run a release you start today?",
    "force_update": "Can you force an update (an unpinned 'is this version still supported?' check)?",
    "never_update": "What share of users never update (0.05 is 5%)?",
    "data_value": "How valuable is the data: low, personal, or high (banking, health, regulated, MASVS-L2)?",
    "inspection": "Do some users sit behind corporate TLS inspection or MDM-installed CAs?",
    "monitoring": "Can you monitor pin failures (report URIs, client telemetry)?",
    "offline_backups": "Can you keep pre-generated backup keys offline?",
    "plan": "What do you intend to pin, if you have decided (optional)?",
}


@dataclass(frozen=True)
class AnswerSheet:
    key_control: KeyControl
    update_days: int
    force_update: bool
    never_update: float
    data_value: DataValue
    inspection: bool
    monitoring: bool
    offline_backups: bool
    plan: Plan = Plan.UNDECIDED

    def __post_init__(self) -> None:
        checked = sheet_from({f.name: getattr(self, f.name) for f in fields(self)}, _raw=True)
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    def as_json(self) -> dict[str, Any]:
        return {f.name: (str(v) if isinstance(v := getattr(self, f.name), enum.Enum) else v) for f in fields(self)}

    def users(self) -> Users:
        """Lesson 07's adoption model for these answers."""
        return Users(half_life_days=max(1, self.update_days), never_update=self.never_update,
                     force_update=self.force_update)


def _shown(value: Any) -> str:
    text = repr(value).replace("\n", " ")
    return text if len(text) <= 40 else text[:39] + "…"


def _choice(name: str, value: Any, kind: type[enum.StrEnum], aliases: Mapping[str, str] = {}) -> enum.StrEnum:
    if isinstance(value, kind):
        return value
    text = value.strip().lower().replace("_", "-") if isinstance(value, str) and len(value) < 40 else None
    text = aliases.get(text, text)
    try:
        return kind(text)
    except ValueError:
        raise AnswerSheetError(f"{name} is {_shown(value)}, but it must be one of "
                               f"{', '.join(m.value for m in kind)}.") from None


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return bool(value)
    raise AnswerSheetError(f"{name} is {_shown(value)}, but it must be true or false.")


def _number(name: str, value: Any, low: float, high: float, example: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not low <= float(value) <= high:
        raise AnswerSheetError(f"{name} is {_shown(value)}, but it must be a number from {low:g} to {high:g}; "
                               f"write e.g. {example}.")
    return float(value)


_KEY_ALIASES = {"self": "you", "us": "you", "we": "you", "own": "you", "vendor": "saas"}
_DATA_ALIASES = {"masvs-l2": "high", "banking": "high", "health": "high", "regulated": "high",
                 "medium": "personal", "moderate": "personal"}


def sheet_from(answers: Any, *, _raw: bool = False) -> Any:
    """An :class:`AnswerSheet` from a mapping (a parsed ANSWERS.json); one sentence if it is not one."""
    if isinstance(answers, AnswerSheet):
        return answers
    if not isinstance(answers, Mapping):
        raise AnswerSheetError(f"an answer sheet is a JSON object with the fields {', '.join(QUESTIONS)}, "
                               f"not {type(answers).__name__}.")
    unknown = [k for k in answers if k not in QUESTIONS]
    if unknown:
        raise AnswerSheetError(f"{_shown(unknown[0])} is not a question of the sheet; use only "
                               f"{', '.join(QUESTIONS)}.")
    missing = [k for k in QUESTIONS if k != "plan" and k not in answers]
    if missing:
        raise AnswerSheetError(f"the answer sheet does not answer {missing[0]} ({QUESTIONS[missing[0]]}); "
                               "add it.")
    days = answers["update_days"]
    if isinstance(days, bool) or not isinstance(days, numbers.Integral) or not 0 <= int(days) <= 3650:
        raise AnswerSheetError(f"update_days is {_shown(days)}, but it must be a whole number of days from 0 "
                               "to 3650; write e.g. 14.")
    checked = {
        "key_control": _choice("key_control", answers["key_control"], KeyControl, _KEY_ALIASES),
        "update_days": int(days),
        "force_update": _flag("force_update", answers["force_update"]),
        "never_update": _number("never_update", answers["never_update"], 0, 1, "0.05 for 5%"),
        "data_value": _choice("data_value", answers["data_value"], DataValue, _DATA_ALIASES),
        "inspection": _flag("inspection", answers["inspection"]),
        "monitoring": _flag("monitoring", answers["monitoring"]),
        "offline_backups": _flag("offline_backups", answers["offline_backups"]),
        "plan": _choice("plan", answers.get("plan", "undecided"), Plan),
    }
    return checked if _raw else AnswerSheet(**checked)


MAX_SHEET_BYTES = 64 * 1024


def read_sheet(path) -> AnswerSheet:
    """An answer sheet from a JSON file (a bounded regular file); one sentence if it is not one."""
    data = read_regular_file(path, MAX_SHEET_BYTES, "JSON answer sheet")
    try:
        answers = json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise AnswerSheetError(f"{path} is not a JSON answer sheet ({type(exc).__name__}); write one JSON "
                               "object like data/decide/bank.json.") from None
    return sheet_from(answers)


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


# --- the decision ---------------------------------------------------------------------------------------

SLOW_UPDATE_DAYS = 30      # longer than this, with no force-update, and a lockout lasts weeks (Barclays)
STRANDED_SHARE = 0.10      # more never-updaters than this, with no force-update, and pins strand them


def _blockers(sheet: AnswerSheet) -> dict[Recommendation, list[Reason]]:
    """Why each option fails on this sheet (an empty list: it does not)."""
    found: dict[Recommendation, list[Reason]] = {r: [] for r in Recommendation}
    owner = {KeyControl.CDN: "your CDN", KeyControl.SAAS: "your SaaS vendor"}.get(sheet.key_control)
    common = []
    if sheet.key_control is KeyControl.SAAS:
        common.append(_why("the endpoint is your SaaS vendor's, and identity pinning is for endpoints under "
                           "your control", "masvs"))
    if sheet.inspection:
        common.append(_why("users behind TLS inspection reach you through a proxy whose CA IT or MDM installed; "
                           "a pinned app refuses it, so those users are locked out", "lesson05"))
    if not sheet.monitoring:
        common.append(_why("without pin-failure reports a lockout is seen only in app reviews; HPKP died of "
                           "pin sets nobody could be sure would work", "hpkp"))
    if sheet.update_days > SLOW_UPDATE_DAYS and not sheet.force_update:
        common.append(_why(f"an update takes {sheet.update_days} days to reach half your users and cannot be "
                           "forced, so a broken pin stays broken for weeks, as at Barclays", "barclays"))
    if sheet.never_update > STRANDED_SHARE and not sheet.force_update:
        common.append(_why(f"{sheet.never_update:.0%} of users never update and cannot be made to, so the first "
                           "rotation their pins miss locks them out for good", "lesson07"))
    for option in PINNING:
        found[option] += common
    if owner:
        found[Recommendation.PIN_LEAF].append(_why(f"{owner} holds the server keys and rekeys at will (ACME "
                                                   "clients make a new key at every renewal)", "acme-keys"))
        found[Recommendation.PIN_OWN_CA].append(_why(f"{owner} picks the CA and its intermediate, and pinning "
                                                     "an intermediate from a pool breaks at a renewal", "gts"))
    elif not sheet.offline_backups:
        found[Recommendation.PIN_LEAF].append(_why("without backup keys kept offline, the next rekey locks out "
                                                   "every version not yet updated", "android"))
    if sheet.key_control is not KeyControl.CDN:
        found[Recommendation.PIN_CDN_ROOTS].append(_why("there is no CDN choosing CAs for you: pinning a "
                                                        "CDN's roots answers a question you do not have",
                                                        "expensify"))
    if sheet.data_value is DataValue.HIGH:
        found[Recommendation.CT_AND_DEFAULTS].append(_why("for high-value data (MAS-L2) platform defaults alone "
                                                          "are not enough: the checklist is the floor", "mastg"))
    return found


def _contradictions(sheet: AnswerSheet) -> list[Reason]:
    """Answers that cannot all be true, or a plan the other answers rule out."""
    out = []
    owner = {KeyControl.CDN: "a CDN", KeyControl.SAAS: "a SaaS vendor"}.get(sheet.key_control)
    pins = sheet.plan in (Plan.LEAF, Plan.INTERMEDIATE, Plan.OWN_CA, Plan.CDN_ROOTS)
    if owner and sheet.plan is Plan.LEAF:
        out.append(_why(f"{owner} holds the keys, and leaf pinning is not a plan: the next key is theirs, "
                        "chosen without you", "expensify", "key_control", "plan"))
    if owner and sheet.plan is Plan.OWN_CA:
        out.append(_why(f"{owner} holds the keys, so it also picks the CA: you cannot anchor your own", "gts", "key_control", "plan"))
    if owner and sheet.offline_backups:
        out.append(_why(f"backup keys kept offline are only useful on a server you control, but {owner} holds "
                        "the keys (if you upload your own certificates, answer key_control: you)", "acme-keys",
                        "key_control", "offline_backups"))
    if sheet.plan is Plan.LEAF and not owner and not sheet.offline_backups:
        out.append(_why("leaf pinning without backup keys kept offline: the next rekey strands every version",
                        "trustkit", "plan", "offline_backups"))
    if sheet.plan is Plan.INTERMEDIATE:
        out.append(_why("an intermediate pin is a bet on a CA's pool of intermediates; the CA, not you, "
                        "decides which one issues next", "letsencrypt", "plan", "key_control"))
    if sheet.plan is Plan.CDN_ROOTS and sheet.key_control is not KeyControl.CDN:
        out.append(_why("the plan pins a CDN's roots, but no CDN holds your keys", "expensify", "plan",
                        "key_control"))
    if pins and sheet.inspection:
        out.append(_why("the plan pins, but some users sit behind TLS inspection: the pinned app refuses "
                        "their proxy", "lesson05", "plan", "inspection"))
    if pins and not sheet.monitoring:
        out.append(_why("the plan pins, but nobody will see a pin failure", "trustkit", "plan", "monitoring"))
    if sheet.force_update and sheet.update_days > 90:
        out.append(_why(f"a forced update still has to ship, and shipping takes {sheet.update_days} days here",
                        "barclays", "force_update", "update_days"))
    return out


def _primary(sheet: AnswerSheet, blockers) -> Recommendation:
    operable = [r for r in PINNING if not blockers[r]]
    if sheet.data_value is DataValue.LOW:
        return Recommendation.CT_AND_DEFAULTS
    if sheet.data_value is DataValue.HIGH and operable:
        return operable[0]
    return Recommendation.MIDDLE_GROUND


def _support(sheet: AnswerSheet, primary: Recommendation, blockers) -> list[Reason]:
    """The reasons for the primary recommendation (never empty: the data-value reason is always there)."""
    data = {
        DataValue.LOW: _why("for low-value data, missing pinning is not a vulnerability", "mastg"),
        DataValue.PERSONAL: _why("pinning is optional below MAS-L2, and the platforms advise against it in most "
                                 "cases", "apple"),
        DataValue.HIGH: _why("high-value data (MAS-L2) calls for identity pinning of the endpoints you control",
                             "masvs"),
    }
    if primary is Recommendation.MIDDLE_GROUND and sheet.data_value is DataValue.HIGH:
        # the masvs line would argue for pinning; say instead why no pinning is operable here
        data[DataValue.HIGH] = _why("high-value data (MAS-L2) would call for pinning, but only pinning you can "
                                    "operate, and every kind is ruled out here", "mastg")
    out = [data[sheet.data_value]]
    if primary is Recommendation.PIN_LEAF:
        out += [_why("you hold the keys and keep backup keys offline, so every release can carry the next key "
                     "before the server needs it", "lesson07"),
                _why("at least one backup key, because enforcing TrustKit refuses fewer than two distinct pins; "
                     "a second, because a backup can itself leak or be spent before the next release ships",
                     "trustkit")]
    elif primary is Recommendation.PIN_OWN_CA:
        out += [_why("an anchor on a CA you choose survives every leaf renewal and rekey, with no backup leaf "
                     "keys to keep", "apple"),
                _why("but never a public CA's pooled intermediate: the next certificate may come from another "
                     "one", "letsencrypt")]
    elif primary is Recommendation.PIN_CDN_ROOTS:
        out += [_why("your CDN picks the CA and may switch it; the pin set is the roots of every CA it may "
                     "use", "expensify")]
    elif primary is Recommendation.CT_AND_DEFAULTS:
        out += [_why("CT logs show any certificate issued for your names, and CAA limits who may issue",
                     "ct")]
    else:
        out += [_why("the platforms already refuse cleartext and user CAs by default; the middle ground keeps "
                     "it that way and never disables validation", "android-user-cas")]
        if sheet.data_value is DataValue.HIGH:
            out += list(dict.fromkeys(r for option in PINNING for r in blockers[option]))[:3]
        elif sheet.inspection:
            out += [r for r in blockers[Recommendation.PIN_OWN_CA] if r.source.key == "lesson05"]
        if sheet.inspection:
            out += [_why("behind inspection the checklist's 'no user CAs in release' item locks these users out "
                         "on Android too (MDM and device-admin CAs land in the user store): opt in to "
                         "<certificates src=\"user\"/> in release deliberately, accept that failed item, and "
                         "document why", "android-user-cas")]
    return out


_COST_PLAN = {Recommendation.PIN_LEAF: Strategy.LEAF_SPKI_BACKUP, Recommendation.PIN_OWN_CA: Strategy.ROOT,
              Recommendation.PIN_CDN_ROOTS: Strategy.ROOT}


@functools.lru_cache(maxsize=256)
def _calendar(strategy: Strategy, half_life: int, never: float, force: bool) -> tuple[int, int, str]:
    """Lesson 07's planner over one year of SC-081v3 certificates with a new key at each renewal."""
    end = START + _dt.timedelta(days=365)
    certs = certificate_schedule(START, end, lifetime="sc081v3", key_reuse=False)
    users = Users(half_life_days=max(1, half_life), never_update=never, force_update=force)
    # two backup keys generated before the first release, as the recommendation says
    early = {f"key:K{n}": START - _dt.timedelta(days=30) for n in (2, 3)} if strategy is Strategy.LEAF_SPKI_BACKUP \
        else None
    plan = plan_rotation(certs, strategy, start=START, end=end, users=users, known_from=early)
    bad = [c for c in plan.changes if not c.feasible]
    return len(plan.changes), len(bad), (bad[0].reasons[0].split(";")[0] if bad else "")


def _cost(sheet: AnswerSheet, option: Recommendation) -> tuple[str, ...]:
    """What the option costs to run: the rotation calendar (lesson 07's planner) and the monitoring."""
    if option in _COST_PLAN:
        changes, bad, why = _calendar(_COST_PLAN[option], sheet.update_days, sheet.never_update,
                                      sheet.force_update)
        what = {Recommendation.PIN_LEAF: "leaf key", Recommendation.PIN_OWN_CA: "anchor",
                Recommendation.PIN_CDN_ROOTS: "root set"}[option]
        if changes:
            line = (f"rotation: {changes} {what} change(s) in a year of certificates at the SC-081v3 cap (200 days, "
                    "then 100 days from 2027-03-15), each shipped ahead")
            line += (f"; {bad} impossible for your users ({why}) unless pin sets expire" if bad
                     else "; all feasible for your users")
        else:
            line = f"rotation: the {what} does not change in a year; renew it years ahead with a release"
        watch = {Recommendation.PIN_LEAF: "pin-failure reports, certificate expiry alerts, and the offline "
                                          "backup keys' custody",
                 Recommendation.PIN_OWN_CA: "pin-failure reports and your CA's expiry, years ahead",
                 Recommendation.PIN_CDN_ROOTS: "pin-failure reports and the CDN's announcements of CA changes"}
        return line + " (lesson 07's planner)", f"monitoring: {watch[option]}"
    if option is Recommendation.MIDDLE_GROUND:
        return ("rotation: none; the platform's trust store rotates for you",
                "monitoring: CT alerts for your names, CAA, and lint of every release's NSC and Dart code in CI")
    return ("rotation: none", "monitoring: CT alerts for your names and a CAA record")


@dataclass(frozen=True)
class Advice(Shown):
    """What :func:`decide` returns."""

    sheet: AnswerSheet
    recommendation: Recommendation
    reasons: tuple[Reason, ...]
    cost: tuple[str, ...]
    defensible: tuple[Recommendation, ...]
    rejected: Mapping[Recommendation, tuple[Reason, ...]] = field(default_factory=dict)
    contradictions: tuple[Reason, ...] = ()

    def lines(self) -> list[str]:
        out = [f"Recommendation: {self.recommendation.title} [{self.recommendation}]", "Because:"]
        out += [f"  - {r}" for r in self.reasons]
        out += ["Operating cost:"] + [f"  - {c}" for c in self.cost]
        also = [r for r in self.defensible if r is not self.recommendation]
        if also:
            out.append("Also defensible: " + "; ".join(r.title for r in also))
        if self.contradictions:
            out.append("CONTRADICTIONS in the answers:")
            out += [f"  ! {r}" for r in self.contradictions]
        out.append("Sources:")
        out += [f"  [{s.key}] {s}" for s in self.sources()]
        return out

    def sources(self) -> list[Source]:
        seen = {r.source.key: r.source for r in (*self.reasons, *self.contradictions)}
        return list(seen.values())

    def text(self) -> str:
        return "\n".join(self.lines())

    def table(self) -> Table:
        rows = [["recommendation", self.recommendation.title]]
        rows += [["because", f"{r.text} [{r.source.key}]"] for r in self.reasons]
        rows += [["cost", c] for c in self.cost]
        rows += [["contradiction", f"{r.text} [{r.source.key}]"] for r in self.contradictions]
        return Table(["", ""], rows, row_headers=True, caption="When to pin: the advice", wrap=90)

    def __repr__(self) -> str:
        return self.text()


def decide(answers: Any) -> Advice:
    """The advice for an answer sheet (an :class:`AnswerSheet` or a mapping of its fields)."""
    sheet = sheet_from(answers)
    blockers = _blockers(sheet)
    primary = _primary(sheet, blockers)
    defensible = [primary]
    if sheet.data_value is not DataValue.HIGH or primary is Recommendation.MIDDLE_GROUND:
        defensible.append(Recommendation.MIDDLE_GROUND)
    if sheet.data_value is not DataValue.LOW:
        defensible += [r for r in PINNING if not blockers[r]]
    defensible = tuple(dict.fromkeys(defensible))
    rejected = {}
    for option in Recommendation:
        if option in defensible:
            continue
        rejected[option] = tuple(blockers[option]) or (
            (_why("low-value data does not justify the lockout risk that pinning brings", "android"),)
            if option in PINNING else
            (_why("MAS-L2 data with pinning you can operate: the checklist alone leaves the endpoints unpinned",
                  "masvs"),))
    return Advice(sheet, primary, tuple(_support(sheet, primary, blockers)), _cost(sheet, primary), defensible,
                  rejected, tuple(_contradictions(sheet)))


# --- the five reference profiles -------------------------------------------------------------------------

#: The lesson's reference profiles: name -> (description, sheet).
PROFILES: dict[str, tuple[str, AnswerSheet]] = {
    "bank": ("a bank: its own servers and keys, forced updates, MAS-L2", AnswerSheet(
        key_control="you", update_days=7, force_update=True, never_update=0.02, data_value="high",
        inspection=False, monitoring=True, offline_backups=True)),
    "social": ("a social app behind a CDN", AnswerSheet(
        key_control="cdn", update_days=10, force_update=False, never_update=0.05, data_value="personal",
        inspection=False, monitoring=True, offline_backups=False)),
    "enterprise": ("an enterprise app used behind inspection proxies", AnswerSheet(
        key_control="you", update_days=45, force_update=False, never_update=0.15, data_value="personal",
        inspection=True, monitoring=False, offline_backups=True)),
    "health": ("a health app for a regulated market (MAS-L2), on its own private CA", AnswerSheet(
        key_control="you", update_days=14, force_update=True, never_update=0.04, data_value="high",
        inspection=False, monitoring=True, offline_backups=False)),
    "hobby": ("a hobby app with public content", AnswerSheet(
        key_control="cdn", update_days=60, force_update=False, never_update=0.30, data_value="low",
        inspection=False, monitoring=False, offline_backups=False)),
}


def profile_table() -> Table:
    """The five reference profiles: the key answers, the recommendation and the sources of its reasons."""
    rows = []
    for name, (what, sheet) in PROFILES.items():
        advice = decide(sheet)
        rows.append([name, what, f"{sheet.key_control}, {sheet.data_value}, "
                                  f"{'inspection' if sheet.inspection else 'no inspection'}",
                     advice.recommendation.title, ", ".join(s.key for s in advice.sources())])
    return Table(["profile", "who", "keys, data, proxies", "recommendation", "cites"], rows,
                 caption="The five reference profiles, decided by helpers.decide", wrap=50)


# --- the honest middle ground, as a checklist that runs ------------------------------------------------

SOURCES.update(_sources(
    ("cleartext", "Android allows cleartext by default below targetSdk 28; cleartextTrafficPermitted=\"false\" "
                  "turns it off", "https://developer.android.com/privacy-and-security/security-config"),
    ("dart-callback", "Dart's badCertificateCallback runs only when validation has already failed; returning "
                      "true accepts any certificate, for any host", "api.dart.dev HttpClient.badCertificateCallback; "
                                                                    "dart-lang/sdk#39425"),
    ("strings", "Anything compiled into an app can be read back from the APK or IPA with `strings`; a bearer "
                "token there is everyone's token", "demonstrated by this lesson's scan; lesson 05's proxy read "
                                                   "the token in transit"),
))

#: What a toy ``strings`` scan looks for: the shapes of credentials.
TOKEN_PATTERNS = {
    "a bearer token": re.compile(rb"Bearer [A-Za-z0-9._~+/=-]{8,}"),
    "a JSON Web Token": re.compile(rb"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    "an AWS access key id": re.compile(rb"AKIA[0-9A-Z]{16}"),
    "a live API secret": re.compile(rb"(?:sk|rk)_live_[0-9A-Za-z]{8,}"),
    "an api_key assignment": re.compile(rb"(?i)api[_-]?key\s*[=:]\s*[A-Za-z0-9._-]{8,}"),
}
MAX_SCAN_BYTES = 16 * 1024 * 1024
_PRINTABLE_RUN = re.compile(rb"[\x20-\x7e]{6,}")


def strings(blob: bytes, least: int = 6) -> list[str]:
    """The printable ASCII runs of at least ``least`` characters, as the Unix ``strings`` tool prints them."""
    return [m.group().decode("ascii") for m in re.finditer(rb"[\x20-\x7e]{%d,}" % max(1, int(least)), blob)]


def scan_for_tokens(blob: bytes | bytearray | str) -> list[tuple[str, str]]:
    """(what, where) for each credential-shaped string in ``blob``; the value is shown shortened."""
    if isinstance(blob, str):
        blob = blob.encode("utf-8", "replace")
    if not isinstance(blob, bytes | bytearray):
        raise AnswerSheetError(f"scan a file's bytes (open(path, 'rb').read()), not {type(blob).__name__}.")
    found = []
    for run in _PRINTABLE_RUN.finditer(bytes(blob[:MAX_SCAN_BYTES])):
        for what, pattern in TOKEN_PATTERNS.items():
            for m in pattern.finditer(run.group()):
                text = m.group().decode("ascii")
                found.append((what, f"offset {run.start() + m.start()}: {text[:14]}…"))
    return found


def toy_binary(token: str | None = None) -> bytes:
    """A stand-in for an app binary: deterministic noise, a few ordinary strings, and ``token`` if given."""
    noise = b"".join(hashlib.sha256(b"toy binary %d" % i).digest() for i in range(64))
    parts = [noise[:700], b"\x00https://api.yourapp.com/v1\x00", noise[700:1400], b"\x00UIApplicationMain\x00"]
    if token:
        parts.append(b"\x00Authorization: Bearer " + token.encode("ascii", "replace") + b"\x00")
    return b"".join([*parts, noise[1400:]])


@dataclass(frozen=True)
class CheckItem:
    item: str
    passed: bool
    evidence: str
    source: Source


def _nsc_items(nsc: str | bytes) -> list[CheckItem]:
    try:
        policy = android.parse(nsc)
    except ConfigError as why:
        return [CheckItem("release builds refuse cleartext", False, f"the file does not parse: {why}",
                          SOURCES["cleartext"])]
    findings = android.lint(policy)
    base = policy.options.get("base") or {}
    clear = [f"line {f.line}: cleartext on <base-config>" for f in findings if f.rule == "InsecureBaseConfiguration"]
    clear += [f"line {r.options.get('config_line')}: cleartext for {r.name}" for r in policy.domains
              if r.options.get("cleartext")]
    if base.get("cleartext") is None:
        clear.append("no <base-config cleartextTrafficPermitted=\"false\">: apps below targetSdk 28 allow "
                     "cleartext by default")
    users = [f"line {f.line}: {f.rule}" for f in findings
             if f.rule in ("AcceptsUserCertificates", "UserCaOverridesPins")]
    users += [f"line {a[2]}: user CAs for {r.name}" for r in policy.domains
              for a in r.options.get("trust_anchors") or () if a[0] == "user"]
    broken = [f"line {f.line}: {f.rule}" for f in findings if f.severity is Severity.FATAL]
    return [CheckItem("release builds refuse cleartext", not clear and not broken,
                      "; ".join(dict.fromkeys(clear + broken)) or "cleartext is off for every host",
                      SOURCES["cleartext"]),
            CheckItem("release builds trust no user-installed CA", not users and not broken,
                      "; ".join(dict.fromkeys(users + broken)) or "system CAs only (user CAs at most in "
                                                                  "<debug-overrides>)", SOURCES["android-user-cas"])]


def _dart_item(source: str | bytes) -> CheckItem:
    try:
        findings = dart.lint(dart.parse(source))
    except ConfigError as why:
        return CheckItem("validation is never disabled (Dart)", False, f"the code does not read as Dart: {why}",
                         SOURCES["dart-callback"])
    bad = [f"line {f.line}: {f.rule}" for f in findings if f.rule == "DartCallbackAcceptsAll"]
    return CheckItem("validation is never disabled (Dart)", not bad,
                     "; ".join(bad) or "no badCertificateCallback that returns true", SOURCES["dart-callback"])


def _binary_item(blob: bytes) -> CheckItem:
    found = scan_for_tokens(blob)
    return CheckItem("no tokens in the binary", not found,
                     "; ".join(f"{what} at {where}" for what, where in found[:3]) or
                     f"a strings scan of {len(blob)} bytes finds no credential", SOURCES["strings"])


class Checklist(Shown):
    """The middle-ground checklist, each item checked on a real artefact."""

    def __init__(self, items: list[CheckItem]):
        self.items = tuple(items)

    @property
    def passed(self) -> bool:
        return all(i.passed for i in self.items)

    def table(self) -> Table:
        rows = [[i.item, "✓" if i.passed else "✗", f"{i.evidence} [{i.source.key}]"] for i in self.items]
        return Table(["item", "", "evidence"], rows, caption="The honest middle ground, checked", wrap=80)

    def __repr__(self) -> str:
        return self.text()


def middle_ground(nsc=None, dart_source=None, binary=None) -> Checklist:
    """Run the checklist on the artefacts given: an Android NSC, Dart source, an app binary's bytes."""
    items: list[CheckItem] = []
    if nsc is not None:
        items += _nsc_items(nsc)
    if dart_source is not None:
        items.append(_dart_item(dart_source))
    if binary is not None:
        items.append(_binary_item(binary))
    if not items:
        raise AnswerSheetError("give middle_ground() at least one artefact: nsc=, dart_source= or binary=.")
    return Checklist(items)


#: The artefacts the lesson starts from: each breaks the middle ground in the classic way.
BROKEN_NSC = """<?xml version="1.0" encoding="utf-8"?>
<network-security-config>
    <base-config cleartextTrafficPermitted="true">
        <trust-anchors>
            <certificates src="system"/>
            <certificates src="user"/>
        </trust-anchors>
    </base-config>
    <domain-config cleartextTrafficPermitted="true">
        <domain includeSubdomains="true">yourapp.com</domain>
    </domain-config>
    <debug-overrides>
        <trust-anchors>
            <certificates src="user"/>
        </trust-anchors>
    </debug-overrides>
</network-security-config>
"""

BROKEN_DART = """import 'dart:io';

HttpClient apiClient() {
  // "temporary", to get past the staging proxy
  return HttpClient()..badCertificateCallback = (cert, host, port) => true;
}
"""

FIXED_DART = """import 'dart:io';

HttpClient apiClient() {
  // the platform's trust store; no callback: a failed validation stays a failure
  return HttpClient();
}
"""


# --- case studies, replayed with lesson 07's simulator -------------------------------------------------

_CASE_START = START
_CASE_END = START + _dt.timedelta(days=364)
_SWITCH = START + _dt.timedelta(days=150)


def _case(name: str, certs, strategy: Strategy, *, extra: tuple[str, ...] = (), expiry: int | None = None,
          users: Users | None = None) -> Timeline:
    releases = release_train(certs, strategy, start=_CASE_START, end=_CASE_END, extra_pins=extra,
                             pin_expiry_days=expiry)
    return Timeline(_CASE_START, _CASE_END, certs, releases, users or Users(half_life_days=14, never_update=0.03),
                    name=name, strategy=strategy)


def case_timelines() -> dict[str, Timeline]:
    """The case studies as lesson 07 timelines, by name (one year from the course clock's day)."""
    def schedule(**kw):
        return certificate_schedule(_CASE_START, _CASE_END, lifetime=90, **kw)

    retired = schedule(ca_switches=((_SWITCH, "Issuing CA 2", "Root A"),), intermediate="Issuing CA 1",
                       root="Root A")
    pool = schedule(ca_switches=((_SWITCH, "R11", "ISRG Root X1"),), intermediate="R10")
    cdn = schedule(ca_switches=((_SWITCH, "WE1", "GTS Root R4"),), intermediate="R10")
    return {
        "Barclays 2016: intermediate pin, intermediate retired": _case(
            "Barclays 2016", retired, Strategy.INTERMEDIATE, users=Users(half_life_days=21, never_update=0.05)),
        "HPKP-style: leaf key, rekey without backup, 60-day max-age": _case(
            "HPKP-style", schedule(rollovers=(_SWITCH,)), Strategy.LEAF_SPKI, expiry=60),
        "Let's Encrypt pool: pin R10, next issue from R11": _case("LE pool", pool, Strategy.INTERMEDIATE),
        "Let's Encrypt pool: pin the root instead": _case("LE pool, root pin", pool, Strategy.ROOT),
        "CDN switches CA: pin today's root": _case("CDN switch", cdn, Strategy.ROOT),
        "CDN switches CA: pin the roots of every CA it may use": _case(
            "CDN switch, every root", cdn, Strategy.ROOT, extra=("root:GTS Root R4",)),
    }


def case_table() -> Table:
    """Each case study simulated: the peak lockout, the user-days lost and when it ends."""
    rows = []
    for title, timeline in case_timelines().items():
        s = simulate(timeline).summary
        last = "none" if s.last_lockout is None else ("never ends" if s.last_lockout == timeline.end
                                                     else str(s.last_lockout))
        rows.append([title, f"{s.peak_lockout:.1%}", f"{s.user_days_locked_out:.1f}", last,
                     str(s.days_unprotected)])
    return Table(["case, replayed", "peak lockout", "user-days", "last lockout", "days unprotected"], rows,
                 caption="Case studies in lesson 07's simulator (one year, 90-day certificates)")
