"""What the Slack adapter is given to run: built by the composition root from the
configuration (``SLACK_*``), so the adapter never reads an environment name itself."""

from __future__ import annotations

from dataclasses import dataclass


class SlackSettingsError(ValueError):
    """The settings cannot run Slack; the message names what is missing."""


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str
    signing_secret: str
    # Socket Mode's app-level token; empty: HTTP mode only.
    app_token: str = ""
    # The Web API's address (a local fake in tests); empty: Slack's own.
    api_url: str = "https://slack.com/api/"

    @property
    def base_url(self) -> str:
        return self.api_url if self.api_url.endswith("/") else self.api_url + "/"
