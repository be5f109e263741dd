"""The governance report: how the policy has worked over a period, for the Board and the Head
of Governance (docs/governance-report.md).

``policybot report`` writes it (one self-contained HTML page and a CSV of its figures); people
with the governance_lead, ceo or admin role get it in chat by saying "report"; and
``POLICYBOT_REPORT_AT`` sends it each term by itself. Read -> count -> protect -> draw:
source, scope, figures and timing, disclosure, charts, html and csv_file; build puts them
together.
"""
