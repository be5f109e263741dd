"""The staff directory kept in step with Microsoft Entra ID (``policybot directory sync``).

options    the sync's settings, checked at start
clouds     the global and national clouds: each Graph host's token scope and sign-in address
graph      a small Microsoft Graph client: paging, throttling, token renewal
auth       app-only tokens through MSAL, off the event loop; refusals with their ids whole
source     who counts (a group's enabled members, nested groups too), their managers, role groups
mapping    Entra users -> people: schools, roles, stand-ins for disabled managers, checks
plan       the difference, and the safety stop
slack_ids  Slack ids by email for people new or changed
apply      the directory written in one batch; leavers' steps passed on
run        one sync end to end, for the command and the daily schedule
command    ``policybot directory sync --from entra``
schedule   the server's daily sync, once across replicas
"""
