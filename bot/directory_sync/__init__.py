"""The staff directory kept in step with Microsoft Entra ID (``policybot directory sync``).

graph      a small Microsoft Graph client: paging, throttling, token renewal
auth       app-only tokens through MSAL, off the event loop
source     who counts (a group's enabled members), with their managers and role groups
mapping    Entra users -> people: schools, roles, and the import's checks
plan       the difference, and the safety stop
apply      the directory written in one batch; leavers' pending steps passed on
run        one sync end to end; command and schedule call it
"""
