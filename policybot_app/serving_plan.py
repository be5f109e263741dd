"""What ``policybot serve`` serves and where, decided before anything is opened.

The playground and the Teams emulator let anyone act as anyone, so they only listen on a
loopback address (the playground can be forced onto another address with a flag that says it
is insecure; the emulator cannot). :func:`bot.port.is_loopback` is the one test of
"loopback" the product uses, for addresses to bind and for the names a request says it was
sent to.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from bot.config import Config
from bot.port import is_loopback


class Refused(Exception):
    """Serving as asked would be unsafe or impossible: one line, exit code 2."""


@dataclass(frozen=True)
class Plan:
    """What to serve and where, decided from configuration and arguments."""

    host: str
    port: int
    playground: bool
    teams_emulator: bool
    insecure_playground: bool


def plan_serving(config: Config, args: argparse.Namespace) -> Plan:
    """The plan for these settings and arguments; raises :class:`Refused`."""
    host = args.host or "127.0.0.1"
    port = config.number("PORT") if args.port is None else args.port
    if not 0 <= port <= 65535:
        raise Refused(f"--port must be between 0 and 65535, not {port}")
    emulator = bool(args.teams_emulator)
    playground = bool(args.playground) or not (config.slack_enabled or config.teams_enabled)
    if emulator and not is_loopback(host):
        raise Refused(f"--teams-emulator accepts unauthenticated messages, so it only listens "
                      f"on a loopback address (127.0.0.1 or ::1), not {host}")
    if playground and not is_loopback(host) and not args.insecure_playground:
        why = "--playground was given" if args.playground else "no platform is configured"
        raise Refused(f"the web playground (served because {why}) lets anyone act as anyone, "
                      f"so it only listens on a loopback address (127.0.0.1 or ::1), not "
                      f"{host}; configure Slack or Teams, or pass "
                      f"--insecure-playground-on-any-address")
    return Plan(host, port, playground, emulator, bool(args.insecure_playground))
