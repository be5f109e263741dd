"""Slack: staff talk to the bot in a DM, approvers decide with a button.

Mount with :func:`setup_slack` (HTTP mode, ``POST /slack/events``); with ``SLACK_APP_TOKEN``
set, also call :func:`start_socket_mode` once the application runs, and ``close()`` the
connection it returns on shutdown.
"""

from adapters.slack.adapter import SLACK, SlackAdapter, setup_slack
from adapters.slack.socket_mode import SocketModeConnection, start_socket_mode, stop_socket_mode

__all__ = [
    "SLACK",
    "SlackAdapter",
    "SocketModeConnection",
    "setup_slack",
    "start_socket_mode",
    "stop_socket_mode",
]
