"""Named dataset sizes (DESIGN §7). Each generator step reads the counts it needs.

Size "L" is DESIGN §7's: 60 users in 8 teams, 100,000 customers, 250,000 contacts,
1,000,000 follow-ups, 100,000 opportunities (50,000 tasks and 20,000 tickets join when the
apps that own them do). Size "anchor" is the shape open-source Django CRMs were measured
on (issue #3): 2 teams of 5 account managers and a lead, 20,000 customers (10,000 a team),
40,000 contacts, 200,000 opportunities, measured as the lead of team 1; it adds 100,000
follow-ups so the customer page has a timeline to show.

`pool_share` is the share (in %) of customers sitting in a public pool; `reclaim_share`
the share of owned customers whose reclaim date has come, for the nightly reclaim.
"""

from __future__ import annotations

SIZES: dict[str, dict[str, int]] = {
    "S": {
        "users": 12,
        "teams": 3,
        "customers": 600,
        "contacts": 1_500,
        "follow_ups": 6_000,
        "opportunities": 600,
        "pool_share": 8,
        "reclaim_share": 2,
    },
    "M": {
        "users": 30,
        "teams": 4,
        "customers": 10_000,
        "contacts": 25_000,
        "follow_ups": 100_000,
        "opportunities": 10_000,
        "pool_share": 8,
        "reclaim_share": 2,
    },
    "L": {
        "users": 60,
        "teams": 8,
        "customers": 100_000,
        "contacts": 250_000,
        "follow_ups": 1_000_000,
        "opportunities": 100_000,
        "pool_share": 8,
        "reclaim_share": 2,
    },
    "anchor": {
        "users": 13,
        "teams": 3,
        "customers": 20_000,
        "contacts": 40_000,
        "follow_ups": 100_000,
        "opportunities": 200_000,
        "pool_share": 8,
        "reclaim_share": 2,
    },
}

# Who the list, page and search benchmarks act as: DESIGN §7's L is read by an admin (all
# 100,000 customers); the anchor size by the lead of team 1 (that team's 10,000).
PERSONA: dict[str, str] = {"S": "admin", "M": "admin", "L": "admin", "anchor": "lead"}
