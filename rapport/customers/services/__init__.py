"""Every write of the customer book with a rule, one module per sub-domain (DESIGN §4):
`customers` (create, update, status, share), `contacts`, `followups`, `schedule` (cadence
and reclaim dates), `pool` (claim, release, reclaim, assign, transfer), `merge`."""
