"""The report's tests run in the shared Slack and Teams worlds and the browser (``testing/``)."""

from __future__ import annotations

from testing.server.playground import browser
from testing.slack.world import fake, slack
from testing.teams.world import connector

__all__ = ["browser", "connector", "fake", "slack"]  # fixtures, found by pytest here
