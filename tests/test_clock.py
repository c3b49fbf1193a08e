"""The course clock's parser: every bad value is one sentence, never an OverflowError or the default."""

from __future__ import annotations

import datetime as dt

import pytest

from helpers import clock


@pytest.mark.parametrize("text, expected", [
    ("2030-01-02", "2030-01-02T00:00:00+00:00"),
    ("2030-01-02T15:04:05Z", "2030-01-02T15:04:05+00:00"),
    ("2030-01-02T15:04:05+02:00", "2030-01-02T13:04:05+00:00"),
    (dt.date(2030, 1, 2), "2030-01-02T00:00:00+00:00"),
])
def test_parse_when_reads_dates_and_times_as_utc(text, expected):
    assert clock.parse_when(text).isoformat() == expected


@pytest.mark.parametrize("text, words", [
    ("", "not an ISO 8601"),
    ("  ", "not an ISO 8601"),
    ("yesterday", "not an ISO 8601"),
    ("9999-12-31T23:59:59-05:00", "years 1 to 9999"),
    ("0001-01-01T00:00+05:00", "years 1 to 9999"),
])
def test_parse_when_refuses_with_one_sentence(text, words):
    with pytest.raises(clock.ClockError) as caught:
        clock.parse_when(text)
    assert words in str(caught.value) and "\n" not in str(caught.value)
