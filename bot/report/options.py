"""The report's settings, read and checked once (``bot.config`` calls :func:`check` at start)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from apscheduler.triggers.cron import CronTrigger

from bot.config_values import Config, ConfigError


@dataclass(frozen=True)
class Timing:
    """How waiting is measured: the reminder and escalation hours, and the holidays."""

    reminder_hours: float
    escalation_hours: float
    holidays: frozenset[date]


@dataclass(frozen=True)
class ReportOptions:
    threshold: int
    timing: Timing
    public_url: str  # "" when the server does not know its public address
    schedule: str  # "" when the report is only made when asked


def holidays_of(config: Config) -> frozenset[date]:
    return frozenset(date.fromisoformat(d.strip())
                     for d in config.get("POLICYBOT_HOLIDAYS").split(",") if d.strip())


def options_from(config: Config) -> ReportOptions:
    timing = Timing(float(config.number("POLICYBOT_REMINDER_HOURS")),
                    float(config.number("POLICYBOT_ESCALATION_HOURS")), holidays_of(config))
    return ReportOptions(config.number("POLICYBOT_REPORT_MIN_COUNT"), timing,
                         config.get("POLICYBOT_PUBLIC_URL").rstrip("/"),
                         config.get("POLICYBOT_REPORT_AT").strip())


def cron(schedule: str) -> CronTrigger:
    """The schedule as a trigger; ValueError when it is not five cron fields."""
    if len(schedule.split()) != 5:
        raise ValueError("five fields are needed")
    return CronTrigger.from_crontab(schedule, timezone=UTC)


def check(config: Config) -> None:
    value = config.get("POLICYBOT_REPORT_MIN_COUNT")
    if not value.isdigit() or int(value) <= 0:
        raise ConfigError(f"POLICYBOT_REPORT_MIN_COUNT must be a positive whole number, "
                          f"not {value!r}")
    schedule = config.get("POLICYBOT_REPORT_AT").strip()
    if schedule:
        try:
            cron(schedule).get_next_fire_time(None, datetime.now(UTC))
        except ValueError as exc:
            raise ConfigError(f"POLICYBOT_REPORT_AT must be a cron schedule such as "
                              f"\"0 7 1 1,5,9 *\" (minute hour day month weekday): {exc}"
                              ) from None
    url = config.get("POLICYBOT_PUBLIC_URL").strip()
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.query:
            raise ConfigError("POLICYBOT_PUBLIC_URL must be the server's public address, "
                              "e.g. https://policybot.example.org")
