"""Working time: the clock reminders and escalations run on.

A working day is a Monday to Friday that is not a configured holiday; all of its 24 hours
count (a choice: schools' approvers read messages outside lessons, and "24 working hours" then
means "one working day"). Saturdays, Sundays and holidays do not count at all. Days are UTC
days.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta

DAY = timedelta(days=1)


def is_working_day(day: date, holidays: Collection[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_hours(start: datetime, hours: float, holidays: Collection[date]) -> datetime:
    """The moment ``hours`` working hours after ``start``."""
    remaining = timedelta(hours=hours)
    moment = start
    while True:
        midnight = datetime.combine(moment.date() + DAY, datetime.min.time(), moment.tzinfo)
        if is_working_day(moment.date(), holidays):
            left_today = midnight - moment
            if remaining <= left_today:
                return moment + remaining
            remaining -= left_today
        moment = midnight


def working_days(first: date, last: date, holidays: Collection[date]) -> int:
    """Working days from ``first`` up to, not including, ``last``: whole weeks by arithmetic,
    so a wait of years costs no more than one of days."""
    days = (last - first).days
    if days <= 0:
        return 0
    weeks, rest = divmod(days, 7)
    tail = first + timedelta(days=weeks * 7)
    count = weeks * 5 + sum(1 for i in range(rest) if (tail + timedelta(days=i)).weekday() < 5)
    return count - sum(1 for h in holidays if first <= h < last and h.weekday() < 5)


def working_hours_between(start: datetime, end: datetime, holidays: Collection[date]) -> float:
    """Working hours from ``start`` to ``end`` (0 when ``end`` is not after ``start``): the
    inverse of :func:`add_working_hours`, for how long something waited."""
    if end <= start:
        return 0.0
    if start.date() == end.date():
        return (end - start).total_seconds() / 3600 if is_working_day(
            start.date(), holidays) else 0.0
    first_midnight = datetime.combine(start.date() + DAY, datetime.min.time(), start.tzinfo)
    last_midnight = datetime.combine(end.date(), datetime.min.time(), end.tzinfo)
    hours = 24.0 * working_days(start.date() + DAY, end.date(), holidays)
    if is_working_day(start.date(), holidays):
        hours += (first_midnight - start).total_seconds() / 3600
    if is_working_day(end.date(), holidays):
        hours += (end - last_midnight).total_seconds() / 3600
    return hours
