"""The server as tests start it: a ``policybot serve`` child process, replicas on PostgreSQL,
the web app in-process, and the playground in a real browser."""
