"""The Slack adapter's tests run in the shared Slack world (``testing/slack/world.py``)."""

from __future__ import annotations

from testing.slack.world import fake, slack

__all__ = ["fake", "slack"]  # fixtures, found by pytest here
