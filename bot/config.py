"""Settings read from the environment (and an optional .env file), checked at start."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from bot.config_values import Config, ConfigError
from bot.directory_sync import options
from bot.report import options as report_options
from bot.settings import BY_NAME


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; # comments and blank lines skipped; quotes around values removed."""
    if not path.is_file():
        return {}
    out = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        out[key.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
    return out


def load_config(env: Mapping[str, str] | None = None, dotenv: Path | None = None) -> Config:
    """The environment wins over .env; only known settings are kept. Raises ConfigError."""
    source = dict(read_dotenv(dotenv or Path(".env")))
    source.update(os.environ if env is None else env)
    config = Config({k: v for k, v in source.items() if k in BY_NAME and v != ""})
    validate(config)
    return config


def validate(config: Config) -> None:
    for name in ("PORT", "POLICYBOT_REMINDER_HOURS", "POLICYBOT_ESCALATION_HOURS",
                 "POLICYBOT_EXPIRY_DAYS", "POLICYBOT_RETENTION_DAYS"):
        value = config.get(name)
        if not value.isdigit() or int(value) <= 0:
            raise ConfigError(f"{name} must be a positive whole number, not {value!r}")
    if int(config.get("PORT")) > 65535:
        raise ConfigError("PORT must be at most 65535")
    if config.number("POLICYBOT_ESCALATION_HOURS") <= config.number("POLICYBOT_REMINDER_HOURS"):
        raise ConfigError("POLICYBOT_ESCALATION_HOURS must be more than POLICYBOT_REMINDER_HOURS")
    if config.get("LOG_LEVEL").upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError("LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
    if config.get("LOG_FORMAT") not in ("text", "json"):
        raise ConfigError("LOG_FORMAT must be text or json")
    for day in filter(None, (d.strip() for d in config.get("POLICYBOT_HOLIDAYS").split(","))):
        try:
            date.fromisoformat(day)
        except ValueError:
            raise ConfigError(
                f"POLICYBOT_HOLIDAYS: {day!r} is not a date like 2026-12-25") from None
    db = config.get("DATABASE_URL")
    if db and not db.startswith(("postgresql://", "postgres://")):
        raise ConfigError("DATABASE_URL must start with postgresql://")
    if config.slack_enabled and not config.get("SLACK_SIGNING_SECRET"):
        raise ConfigError("SLACK_SIGNING_SECRET is required when SLACK_BOT_TOKEN is set")
    if config.get("SLACK_APP_TOKEN") and not config.slack_enabled:
        raise ConfigError("SLACK_APP_TOKEN needs SLACK_BOT_TOKEN as well")
    if config.get("SLACK_SIGNING_SECRET") and not config.slack_enabled:
        raise ConfigError("SLACK_BOT_TOKEN is required when SLACK_SIGNING_SECRET is set")
    app_type = config.get("MICROSOFT_APP_TYPE")
    if app_type not in ("MultiTenant", "SingleTenant", "UserAssignedMSI"):
        raise ConfigError("MICROSOFT_APP_TYPE must be MultiTenant, SingleTenant or UserAssignedMSI")
    if config.teams_enabled:
        if app_type != "UserAssignedMSI" and not config.get("MICROSOFT_APP_PASSWORD"):
            raise ConfigError("MICROSOFT_APP_PASSWORD is required when MICROSOFT_APP_ID is set")
        if app_type != "MultiTenant" and not config.get("MICROSOFT_APP_TENANT_ID"):
            raise ConfigError(f"MICROSOFT_APP_TENANT_ID is required for {app_type}")
    elif config.get("MICROSOFT_APP_PASSWORD"):
        raise ConfigError("MICROSOFT_APP_ID is required when MICROSOFT_APP_PASSWORD is set")
    options.check(config)
    report_options.check(config)
