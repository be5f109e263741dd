"""Every setting the bot reads, in one list.

This list is the single source for configuration: ``bot.config`` reads the environment with
it, ``app.json`` must declare exactly these variables (a test checks), and the
configuration reference in ``docs/operations.md`` is generated from it
(``policybot config --markdown``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    description: str
    default: str = ""
    secret: bool = False
    required: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("PORT", "Port the server listens on.", "3978"),
    Setting("POLICYBOT_DB", "Path of the TinyDB file (used when DATABASE_URL is not set).",
            "./data/policybot.json"),
    Setting("DATABASE_URL", "postgresql://... to keep everything in PostgreSQL (several "
            "replicas, or a host without a lasting disk). Unset: TinyDB.", secret=True),
    Setting("POLICYBOT_POLICY", "Path of a Trust's own policy pack (YAML). Unset: the bundled "
            "pack."),
    Setting("POLICYBOT_CONTACT", "Who people not in the directory should contact. Unset: the "
            "policy pack's contact."),
    Setting("LOG_LEVEL", "DEBUG, INFO, WARNING or ERROR.", "INFO"),
    Setting("LOG_FORMAT", "text, or json for one JSON object per line.", "text"),
    Setting("SLACK_BOT_TOKEN", "Slack bot token (xoxb-...). Set it to turn Slack on.",
            secret=True),
    Setting("SLACK_SIGNING_SECRET", "Slack signing secret; required with SLACK_BOT_TOKEN.",
            secret=True),
    Setting("SLACK_APP_TOKEN", "Slack app-level token (xapp-...) for Socket Mode, for schools "
            "with no public URL.", secret=True),
    Setting("SLACK_API_URL", "Base URL of the Slack Web API.", "https://slack.com/api/"),
    Setting("MICROSOFT_APP_ID", "Azure bot registration's app id (the Agents SDK's CLIENTID). "
            "Set it to turn Teams on."),
    Setting("MICROSOFT_APP_PASSWORD", "Client secret of the Azure app registration (the SDK's "
            "CLIENTSECRET).",
            secret=True),
    Setting("MICROSOFT_APP_TENANT_ID", "Tenant id (the SDK's TENANTID); required for "
            "SingleTenant and UserAssignedMSI."),
    Setting("MICROSOFT_APP_TYPE", "SingleTenant, UserAssignedMSI or MultiTenant (Azure creates "
            "no new multi-tenant bots since July 2025).", "SingleTenant"),
    Setting("POLICYBOT_REMINDER_HOURS", "Working hours before a pending step is reminded.", "24"),
    Setting("POLICYBOT_ESCALATION_HOURS", "Working hours before a pending step is escalated.",
            "72"),
    Setting("POLICYBOT_EXPIRY_DAYS", "Days after which a pending request expires.", "14"),
    Setting("POLICYBOT_RETENTION_DAYS", "Days drafts, answers and comments are kept.", "730"),
    Setting("POLICYBOT_HOLIDAYS", "Comma-separated dates (YYYY-MM-DD) that are not working days."),
    # The governance report (docs/governance-report.md).
    Setting("POLICYBOT_REPORT_AT", "When the server sends the governance report of the term "
            "just ended to the Head of Governance: a cron schedule in UTC (minute hour day "
            "month weekday), e.g. \"0 7 1 1,5,9 *\". Unset: only when asked."),
    Setting("POLICYBOT_REPORT_MIN_COUNT", "Counts in the governance report under this are "
            "shown as \"fewer than N\".", "3"),
    Setting("POLICYBOT_PUBLIC_URL", "The server's public https address, for links to the "
            "governance report in Teams (e.g. https://policybot.example.org). Unset: Teams "
            "is told to ask for the report on the command line."),
    # The staff directory from Microsoft Entra ID (docs/directory.md).
    Setting("POLICYBOT_ENTRA_TENANT_ID", "Entra tenant to read staff from. Unset: "
            "MICROSOFT_APP_TENANT_ID."),
    Setting("POLICYBOT_ENTRA_CLIENT_ID", "App registration that reads staff (User.Read.All, "
            "GroupMember.Read.All). Unset: MICROSOFT_APP_ID."),
    Setting("POLICYBOT_ENTRA_CLIENT_SECRET", "Its client secret. Unset: MICROSOFT_APP_PASSWORD, "
            "unless a certificate is set.", secret=True),
    Setting("POLICYBOT_ENTRA_CERTIFICATE", "Path of a PEM file with the app's private key and "
            "certificate, instead of a secret."),
    Setting("POLICYBOT_ENTRA_STAFF_GROUP", "Object id of the Entra group whose members are the "
            "staff (e.g. All staff); guests and disabled accounts never count."),
    Setting("POLICYBOT_ENTRA_GROUP_MEMBERS", "transitive: everyone in the staff group, through "
            "the groups inside it too (an All staff group made of school groups); direct: its "
            "direct members only.", "transitive"),
    Setting("POLICYBOT_ENTRA_SCHOOL_ATTRIBUTE", "User attribute that says where someone works: "
            "companyName, department, officeLocation or an extension attribute.", "companyName"),
    Setting("POLICYBOT_ENTRA_SCHOOL_MAP", "Path of a value,school CSV file mapping that "
            "attribute to the Trust's school names and Central."),
    Setting("POLICYBOT_ENTRA_ROLE_GROUPS", "Roles from Entra groups: role=group-id pairs, "
            "comma-separated (e.g. headteacher=...,ceo=...)."),
    Setting("POLICYBOT_ENTRA_ROLES_FILE", "Path of an email,roles CSV file, for roles not kept "
            "in Entra groups."),
    Setting("POLICYBOT_ENTRA_MAX_REMOVAL_PERCENT", "A sync that would mark more than this share "
            "of the directory as left stops and asks for --force.", "10"),
    Setting("POLICYBOT_ENTRA_SYNC_AT", "Time of day (HH:MM, UTC) the server syncs the "
            "directory from Entra. Unset: only by hand."),
    Setting("POLICYBOT_ENTRA_AUTHORITY_URL", "Microsoft identity platform address. Unset: the "
            "one of POLICYBOT_GRAPH_URL's cloud (login.microsoftonline.com, "
            "login.microsoftonline.us, login.chinacloudapi.cn)."),
    Setting("POLICYBOT_GRAPH_URL", "Microsoft Graph address; for a national cloud "
            "https://graph.microsoft.us, https://dod-graph.microsoft.us or "
            "https://microsoftgraph.chinacloudapi.cn. The token is asked for this host.",
            "https://graph.microsoft.com/v1.0"),
)

BY_NAME = {s.name: s for s in SETTINGS}
