"""Each adapter's typed settings, built from the configuration: the one place that reads the
environment names an adapter runs on (``SLACK_*``, ``MICROSOFT_APP_*``)."""

from __future__ import annotations

from adapters.slack.settings import SlackSettings
from adapters.teams.settings import TeamsSettings
from bot.config import Config, ConfigError


def slack_settings(config: Config) -> SlackSettings:
    """Raises :class:`ConfigError` when Slack is half configured."""
    token, secret = config.get("SLACK_BOT_TOKEN"), config.get("SLACK_SIGNING_SECRET")
    if not token or not secret:
        raise ConfigError("Slack needs both SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET")
    return SlackSettings(bot_token=token, signing_secret=secret,
                         app_token=config.get("SLACK_APP_TOKEN"),
                         api_url=config.get("SLACK_API_URL"))


def teams_settings(config: Config) -> TeamsSettings:
    return TeamsSettings(app_id=config.get("MICROSOFT_APP_ID"),
                         app_password=config.get("MICROSOFT_APP_PASSWORD"),
                         tenant_id=config.get("MICROSOFT_APP_TENANT_ID"),
                         app_type=config.get("MICROSOFT_APP_TYPE"))
