"""The Entra sync's settings, read and checked once (they are listed in ``bot.settings``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path

from bot.config_values import Config, ConfigError
from bot.directory_sync.clouds import authority_for, graph_base, mismatch
from conversations.people import KNOWN_ROLES

SCHOOL_ATTRIBUTES = ("companyName", "department", "officeLocation")
GROUP_MEMBERS = ("transitive", "direct")
_EXTENSION = re.compile(r"^(extensionAttribute([1-9]|1[0-5])|extension_[0-9a-f]{32}_\w+)$")
_OBJECT_ID = re.compile(r"^[0-9a-fA-F-]{36}$")
_AT = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class EntraOptions:
    tenant_id: str
    client_id: str
    client_secret: str
    certificate: Path | None
    staff_group: str
    school_attribute: str
    school_map: Path
    role_groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    roles_file: Path | None = None
    max_removal_percent: int = 10
    authority_url: str = ""
    graph_url: str = ""
    transitive_members: bool = True  # people in groups inside the staff group count too
    slack_token: str = ""
    slack_api_url: str = ""


def role_groups_from(text: str) -> dict[str, tuple[str, ...]]:
    """``headteacher=<group id>;<group id>,ceo=<group id>`` -> role -> group ids."""
    out: dict[str, tuple[str, ...]] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        role, sep, ids = part.partition("=")
        role = role.strip().lower()
        groups = tuple(filter(None, (g.strip() for g in ids.split(";"))))
        if not sep or role not in KNOWN_ROLES or not groups:
            raise ConfigError(f"POLICYBOT_ENTRA_ROLE_GROUPS: {part!r} is not role=group-id "
                              f"(roles: {', '.join(sorted(KNOWN_ROLES))})")
        bad = [g for g in groups if not _OBJECT_ID.match(g)]
        if bad:
            raise ConfigError(f"POLICYBOT_ENTRA_ROLE_GROUPS: {bad[0]!r} is not a group "
                              "object id")
        out[role] = out.get(role, ()) + groups
    return out


def sync_time(config: Config) -> time | None:
    """When the server syncs each day (UTC), or None when it does not."""
    text = config.get("POLICYBOT_ENTRA_SYNC_AT").strip()
    if not text:
        return None
    found = _AT.match(text)
    if found is None:
        raise ConfigError(f"POLICYBOT_ENTRA_SYNC_AT must be a time like 02:30 (UTC), "
                          f"not {text!r}")
    return time(int(found.group(1)), int(found.group(2)))


def check(config: Config) -> None:
    """Checks at start-up that need no file or network: shapes and numbers."""
    percent = config.get("POLICYBOT_ENTRA_MAX_REMOVAL_PERCENT")
    if not percent.isdigit() or not 0 <= int(percent) <= 100:
        raise ConfigError("POLICYBOT_ENTRA_MAX_REMOVAL_PERCENT must be a whole number from 0 "
                          f"to 100, not {percent!r}")
    attribute = config.get("POLICYBOT_ENTRA_SCHOOL_ATTRIBUTE")
    if attribute not in SCHOOL_ATTRIBUTES and not _EXTENSION.match(attribute):
        raise ConfigError("POLICYBOT_ENTRA_SCHOOL_ATTRIBUTE must be companyName, department, "
                          "officeLocation, extensionAttribute1-15 or extension_<app id>_<name>")
    role_groups_from(config.get("POLICYBOT_ENTRA_ROLE_GROUPS"))
    members = config.get("POLICYBOT_ENTRA_GROUP_MEMBERS")
    if members not in GROUP_MEMBERS:
        raise ConfigError("POLICYBOT_ENTRA_GROUP_MEMBERS must be transitive (everyone in the "
                          "staff group and the groups inside it) or direct, not "
                          f"{members!r}")
    graph_url = config.get("POLICYBOT_GRAPH_URL")
    if not graph_url.startswith("https://"):
        raise ConfigError(f"POLICYBOT_GRAPH_URL must be an https:// address, not {graph_url!r}")
    wrong_cloud = mismatch(graph_url, config.get("POLICYBOT_ENTRA_AUTHORITY_URL"))
    if wrong_cloud:
        raise ConfigError(wrong_cloud)
    if sync_time(config) is not None:
        options_from(config)  # a scheduled sync needs everything: fail at start, not at 2 am
    elif config.get("POLICYBOT_ENTRA_CLIENT_SECRET") and config.get("POLICYBOT_ENTRA_CERTIFICATE"):
        raise ConfigError("set POLICYBOT_ENTRA_CLIENT_SECRET or POLICYBOT_ENTRA_CERTIFICATE, "
                          "not both")


def options_from(config: Config) -> EntraOptions:
    """Everything a sync needs; ConfigError names the first missing or wrong setting."""
    tenant = config.get("POLICYBOT_ENTRA_TENANT_ID") or config.get("MICROSOFT_APP_TENANT_ID")
    client = config.get("POLICYBOT_ENTRA_CLIENT_ID") or config.get("MICROSOFT_APP_ID")
    certificate = config.get("POLICYBOT_ENTRA_CERTIFICATE")
    secret = config.get("POLICYBOT_ENTRA_CLIENT_SECRET")
    if secret and certificate:
        raise ConfigError("set POLICYBOT_ENTRA_CLIENT_SECRET or POLICYBOT_ENTRA_CERTIFICATE, "
                          "not both")
    if not certificate and not secret:
        secret = config.get("MICROSOFT_APP_PASSWORD")  # the Teams bot's registration
    if not tenant:
        raise ConfigError("POLICYBOT_ENTRA_TENANT_ID (or MICROSOFT_APP_TENANT_ID) is required "
                          "to sync from Entra")
    if not client:
        raise ConfigError("POLICYBOT_ENTRA_CLIENT_ID (or MICROSOFT_APP_ID) is required to sync "
                          "from Entra")
    if not secret and not certificate:
        raise ConfigError("POLICYBOT_ENTRA_CLIENT_SECRET or POLICYBOT_ENTRA_CERTIFICATE (or "
                          "MICROSOFT_APP_PASSWORD) is required to sync from Entra")
    group = config.get("POLICYBOT_ENTRA_STAFF_GROUP")
    if not _OBJECT_ID.match(group):
        raise ConfigError("POLICYBOT_ENTRA_STAFF_GROUP must be the object id of the group whose "
                          "members are the staff (for example All staff)")
    school_map = config.get("POLICYBOT_ENTRA_SCHOOL_MAP")
    if not school_map:
        raise ConfigError("POLICYBOT_ENTRA_SCHOOL_MAP (a value,school CSV file) is required to "
                          "sync from Entra")
    roles_file = config.get("POLICYBOT_ENTRA_ROLES_FILE")
    return EntraOptions(
        tenant_id=tenant, client_id=client, client_secret=secret,
        certificate=Path(certificate) if certificate else None, staff_group=group,
        school_attribute=config.get("POLICYBOT_ENTRA_SCHOOL_ATTRIBUTE"),
        school_map=Path(school_map),
        role_groups=role_groups_from(config.get("POLICYBOT_ENTRA_ROLE_GROUPS")),
        roles_file=Path(roles_file) if roles_file else None,
        max_removal_percent=config.number("POLICYBOT_ENTRA_MAX_REMOVAL_PERCENT"),
        authority_url=authority_for(config.get("POLICYBOT_GRAPH_URL"),
                                    config.get("POLICYBOT_ENTRA_AUTHORITY_URL")),
        graph_url=graph_base(config.get("POLICYBOT_GRAPH_URL")),
        transitive_members=config.get("POLICYBOT_ENTRA_GROUP_MEMBERS") != "direct",
        slack_token=config.get("SLACK_BOT_TOKEN"), slack_api_url=config.get("SLACK_API_URL"),
    )
