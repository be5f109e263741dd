"""What the Teams adapter is given to run: built by the composition root from the
configuration (``MICROSOFT_APP_*``), so the adapter never reads an environment name itself."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TeamsSettings:
    # The bot's Microsoft Entra application; empty: Teams is off (unless in emulator mode).
    app_id: str = ""
    app_password: str = ""
    tenant_id: str = ""
    # "MultiTenant", "SingleTenant" or "UserAssignedMSI".
    app_type: str = ""
