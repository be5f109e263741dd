"""The period a report covers: any two dates, or a school term.

Neither the policy pack nor the settings know a Trust's term dates, so terms are the usual
English ones: autumn from 1 September to 31 December, spring from 1 January to Easter
Sunday, summer from Easter Monday to 31 August. Dates are whole UTC days, both ends
included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property

from conversations.timefmt import iso


class PeriodError(ValueError):
    """Dates that make no period; the message says what to change."""


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * ell) // 433
    month = (h + ell - 7 * m + 90) // 25
    return date(year, month, (h + ell - 7 * m + 33 * month + 19) % 32)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included
    name: str = ""  # "Autumn term 2026" for a term, else ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError(f"the period ends ({self.end}) before it starts ({self.start})")

    @cached_property
    def low(self) -> str:
        """The first stored stamp inside the period (stamps compare as text)."""
        return iso(datetime.combine(self.start, time(0), UTC))

    @cached_property
    def high(self) -> str:
        """The first stored stamp after the period."""
        return iso(datetime.combine(self.end + timedelta(days=1), time(0), UTC))

    def holds(self, stamp: str | None) -> bool:
        return bool(stamp) and self.low <= str(stamp) < self.high

    def until(self, now: datetime) -> datetime:
        """The moment the figures stop: the period's end, or now when that is sooner."""
        return min(datetime.combine(self.end + timedelta(days=1), time(0), UTC), now)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def title(self) -> str:
        dates = f"{_day(self.start)} to {_day(self.end)}"
        return f"{self.name} ({dates})" if self.name else dates

    def slug(self) -> str:
        return (self.name.lower().replace(" ", "-") if self.name
                else f"{self.start.isoformat()}-to-{self.end.isoformat()}")

    def before(self) -> Period:
        """The period to compare with: the term before a term, else as many days before."""
        if self.name:
            return term_containing(self.start - timedelta(days=1))
        length = timedelta(days=self.days)
        return Period(self.start - length, self.end - length)


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def term_containing(day: date) -> Period:
    """The school term ``day`` falls in."""
    year = day.year
    if day.month >= 9:
        return Period(date(year, 9, 1), date(year, 12, 31), f"Autumn term {year}")
    easter = easter_sunday(year)
    if day <= easter:
        return Period(date(year, 1, 1), easter, f"Spring term {year}")
    return Period(easter + timedelta(days=1), date(year, 8, 31), f"Summer term {year}")


def this_term(today: date) -> Period:
    return term_containing(today)


def last_term(today: date) -> Period:
    return term_containing(today).before()


def chosen(today: date, start: date | None, end: date | None) -> Period:
    """The period of ``--from``/``--to``: this term when neither is given; from a date to
    today; from the start of the term the end falls in to that end."""
    if start is None and end is None:
        return this_term(today)
    if start is None:
        assert end is not None
        return Period(term_containing(end).start, end)
    return Period(start, end or max(today, start))
