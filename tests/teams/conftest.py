"""The Teams adapter's tests run in the shared Teams world (``testing/teams/world.py``)."""

from __future__ import annotations

from testing.teams.world import connector, secured, token_issuer, world

__all__ = ["connector", "secured", "token_issuer", "world"]  # fixtures, found by pytest here
