"""The course clock: one fixed "now" for every lesson.

Validation results and rotation timelines depend on the date. If the lessons used the
real calendar, their outputs would drift and a committed notebook would stop matching a
fresh run. So every helper that needs "now" asks this module instead of the system.

Real tools that read the system clock (the ``openssl`` CLI, Python's ``ssl``) still see
the real date; that is why the course certificates stay valid until at least 2045.
"""

from __future__ import annotations

import datetime as _dt

from .errors import BadInputError

UTC = _dt.UTC

#: The moment the whole course pretends it is.
COURSE_NOW = _dt.datetime(2026, 9, 1, 12, 0, 0, tzinfo=UTC)


class ClockError(BadInputError):
    """A date or time given to the course could not be understood."""


def now() -> _dt.datetime:
    """Return the course's "now" (timezone-aware, UTC)."""
    return COURSE_NOW


def today() -> _dt.date:
    """Return the course's "today"."""
    return COURSE_NOW.date()


def utc(year: int, month: int, day: int) -> _dt.datetime:
    """Midnight UTC at the start of that day: the way the course writes certificate dates."""
    return _dt.datetime(year, month, day, tzinfo=UTC)


def days(n: float) -> _dt.timedelta:
    """A duration of ``n`` days, for readable date arithmetic in lessons."""
    return _dt.timedelta(days=n)


def parse_when(text: str) -> _dt.datetime:
    """Parse an ISO 8601 date or date-time; a value without a zone is taken as UTC.

    >>> parse_when("2030-01-02").isoformat()
    '2030-01-02T00:00:00+00:00'
    """
    if isinstance(text, _dt.datetime):
        value = text
    elif isinstance(text, _dt.date):
        value = _dt.datetime(text.year, text.month, text.day)
    else:
        try:
            value = _dt.datetime.fromisoformat(str(text).strip())
        except ValueError:
            raise ClockError(
                f"{text!r} is not an ISO 8601 date or date-time; write it like 2030-01-02 "
                "or 2030-01-02T15:04:05Z."
            ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59-05:00 is past the last instant Python can hold
        raise ClockError(f"{text!r} falls outside the years 1 to 9999 once converted to UTC; give a date "
                         "inside that range.") from None
