"""Due work: everything time makes due, run every few minutes by the server (and by hand with
``policybot jobs run``), once across replicas.

- :mod:`.pending_steps`: an approver's reminder, escalation to the next person up, expiry,
  and handing steps to a delegate;
- :mod:`.digests`: the weekly digest and the policy review notices;
- :mod:`.retention`: removing personal data past the retention period;
- :mod:`.runner`: runs them all (:class:`~bot.due_work.runner.DueWork`) on a schedule.

Nothing here lives only in memory: what is due is computed from stored state, and each item
is claimed with a conditional write.
"""
