"""The Entra settings are checked at start, each problem in one line naming the variable."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_config
from bot.directory_sync.options import options_from
from testing.entra.tenant import ROLE_GROUPS, STAFF_GROUP

GROUP = STAFF_GROUP
READY = {"POLICYBOT_ENTRA_TENANT_ID": "t", "POLICYBOT_ENTRA_CLIENT_ID": "c",
         "POLICYBOT_ENTRA_CLIENT_SECRET": "s", "POLICYBOT_ENTRA_STAFF_GROUP": GROUP,
         "POLICYBOT_ENTRA_SCHOOL_MAP": "schools.csv"}


@pytest.mark.parametrize(("values", "message"), [
    ({"POLICYBOT_ENTRA_SYNC_AT": "2am"}, "POLICYBOT_ENTRA_SYNC_AT must be a time like 02:30"),
    ({"POLICYBOT_ENTRA_SYNC_AT": "24:00"}, "POLICYBOT_ENTRA_SYNC_AT must be a time like 02:30"),
    ({"POLICYBOT_ENTRA_ROLE_GROUPS": f"boss={GROUP}"},
     "POLICYBOT_ENTRA_ROLE_GROUPS: 'boss=" + GROUP + "' is not role=group-id"),
    ({"POLICYBOT_ENTRA_ROLE_GROUPS": "ceo=Leadership"},
     "POLICYBOT_ENTRA_ROLE_GROUPS: 'Leadership' is not a group object id"),
    ({"POLICYBOT_ENTRA_MAX_REMOVAL_PERCENT": "150"},
     "POLICYBOT_ENTRA_MAX_REMOVAL_PERCENT must be a whole number from 0 to 100"),
    ({"POLICYBOT_ENTRA_SCHOOL_ATTRIBUTE": "jobTitle"},
     "POLICYBOT_ENTRA_SCHOOL_ATTRIBUTE must be companyName"),
    ({"POLICYBOT_ENTRA_SYNC_AT": "02:00"},
     "POLICYBOT_ENTRA_TENANT_ID (or MICROSOFT_APP_TENANT_ID)"),
    ({**READY, "POLICYBOT_ENTRA_SYNC_AT": "02:00", "POLICYBOT_ENTRA_STAFF_GROUP": "All staff"},
     "POLICYBOT_ENTRA_STAFF_GROUP must be the object id"),
    ({**READY, "POLICYBOT_ENTRA_CERTIFICATE": "app.pem"},
     "set POLICYBOT_ENTRA_CLIENT_SECRET or POLICYBOT_ENTRA_CERTIFICATE, not both"),
    ({"POLICYBOT_ENTRA_GROUP_MEMBERS": "nested"},
     "POLICYBOT_ENTRA_GROUP_MEMBERS must be transitive (everyone in the staff group and the "
     "groups inside it) or direct, not 'nested'"),
])
def test_a_wrong_entra_setting_stops_start_up(values: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(values)
    assert str(raised.value).startswith(message), str(raised.value)


def test_the_teams_registration_is_reused_when_no_entra_app_is_named() -> None:
    config = load_config({
        "MICROSOFT_APP_ID": "teams-app", "MICROSOFT_APP_PASSWORD": "teams-secret",
        "MICROSOFT_APP_TENANT_ID": "tenant", "POLICYBOT_ENTRA_STAFF_GROUP": GROUP,
        "POLICYBOT_ENTRA_SCHOOL_MAP": "schools.csv", "POLICYBOT_ENTRA_SYNC_AT": "01:30",
        "POLICYBOT_ENTRA_ROLE_GROUPS": f"ceo={ROLE_GROUPS['ceo']},"
                                       f"headteacher={ROLE_GROUPS['headteacher']};{GROUP}"})
    options = options_from(config)
    assert (options.tenant_id, options.client_id, options.client_secret) == (
        "tenant", "teams-app", "teams-secret")
    assert options.role_groups == {"ceo": (ROLE_GROUPS["ceo"],),
                                   "headteacher": (ROLE_GROUPS["headteacher"], GROUP)}
    assert options.max_removal_percent == 10 and options.school_attribute == "companyName"
    # Nested groups are read unless told otherwise; the global cloud unless told otherwise.
    assert options.transitive_members
    assert (options.graph_url, options.authority_url) == (
        "https://graph.microsoft.com/v1.0", "https://login.microsoftonline.com")
    direct = options_from(load_config({**READY, "POLICYBOT_ENTRA_GROUP_MEMBERS": "direct"}))
    assert not direct.transitive_members


def test_the_client_secret_is_masked_like_every_secret() -> None:
    config = load_config({**READY})
    assert ("POLICYBOT_ENTRA_CLIENT_SECRET", "(set)") in config.masked()
