"""Named dataset sizes (DESIGN §7). Each generator step reads the counts it needs.

Size "L" in full is 60 users in 8 teams, 100,000 customers, 250,000 contacts, 1,000,000
follow-ups, 100,000 opportunities, 50,000 tasks and 20,000 tickets; a count joins this table
when the step that makes those rows does.
"""

from __future__ import annotations

SIZES: dict[str, dict[str, int]] = {
    "S": {"users": 12, "teams": 3},
    "M": {"users": 30, "teams": 4},
    "L": {"users": 60, "teams": 8},
}
