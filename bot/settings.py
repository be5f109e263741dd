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
)

BY_NAME = {s.name: s for s in SETTINGS}
