"""Helpers for the analysis-page, report, triage and rounds tests: judge a small study through the rating core.

``rate_all(db, handle, choose)`` answers every open assignment of every rater of a study built by
``conftest.build_study`` / ``make_study``, the way a rater would (through ``rating.next_assignment`` and
``rating.record_judgment``). ``choose(item_number, rater_name, left_system) -> int`` returns the preference
*oriented to the pair* (negative = system_a better); the helper turns it into the left/right choice the
rating page would send. Outputs written by ``conftest.study_rows`` name their system ("Answer of base to
prompt 3."), which is how the helper knows which system is on the left without reading the assignment table.
"""

from __future__ import annotations

import re

from evalstore.rating import next_assignment, record_judgment

_ANSWER = re.compile(r"Answer of (\S+) to prompt (\d+)\.")


def rate_all(db, handle, choose, *, criteria=None) -> int:
    """Judge every open assignment; returns the number of judgments recorded."""
    count = 0
    for rater, token in handle.tokens.items():
        while True:
            shown = next_assignment(db, token)
            if shown is None:
                break
            left_system, item_number = _ANSWER.match(shown.left_text).groups()
            right_system = _ANSWER.match(shown.right_text).group(1)
            system_a = handle.systems[0] if handle.systems[0] in (left_system, right_system) else \
                sorted((left_system, right_system), key=handle.systems.index)[0]
            for criterion in criteria or shown.criteria:
                preference = choose(int(item_number), rater, left_system)
                if isinstance(preference, dict):
                    preference = preference[criterion]
                # the rating core takes the choice oriented left/right
                choice = preference if left_system == system_a else -preference
                record_judgment(db, token, shown.assignment_id, criterion, choice,
                                rationale=f"{rater} on item {item_number}")
                count += 1
    return count
