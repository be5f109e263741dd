"""The people of the bundled sample Trust (``bot/sample/directory.csv``), named by role.

Tests and benchmarks import them from here, so the same person has one name everywhere and
a reader knows who approves whom without opening the directory.
"""

from __future__ import annotations

DOMAIN = "@northbrook.example"

TEACHER = f"sophie.bennett{DOMAIN}"  # Oakfield Primary; line manager: the deputy
OTHER_TEACHER = f"imran.hussain{DOMAIN}"  # Oakfield Primary; line manager: the deputy
DEPUTY = f"daniel.osei{DOMAIN}"  # Oakfield Primary; line manager: the headteacher
HEAD = f"joanne.clarke{DOMAIN}"  # headteacher of Oakfield Primary; line manager: the CEO
RIVERSIDE_HEAD = f"andrew.macleod{DOMAIN}"  # headteacher of Riverside Academy
CEO = f"helen.whitfield{DOMAIN}"
GOVERNANCE = f"rajesh.patel{DOMAIN}"  # governance lead; line manager: the CEO
DPO = f"siobhan.murphy{DOMAIN}"  # data protection officer; line manager: governance lead
FINANCE_DIRECTOR = f"gareth.llewellyn{DOMAIN}"  # Central; line manager: the CEO
FINANCE_OFFICER = f"chloe.adeyemi{DOMAIN}"  # Central; line manager: the finance director
COMMS = f"tom.hargreaves{DOMAIN}"  # Central; line manager: the CEO
CHAIR = f"alastair.fraser{DOMAIN}"  # the fallback approver
ADMIN = f"priya.sharma{DOMAIN}"  # Central; the role admin: told when deliveries fail
