"""The quick start's promise: rate the demo study to the end with the keyboard alone, and
`evalstore export` then shows exactly what was pressed."""

from __future__ import annotations

import io
import subprocess

import pandas as pd
import pytest
from e2e_support import RaterTab, closest, evalstore_command, rater_queue

from evalstore.db import open_db

pytestmark = pytest.mark.e2e

SKIP_KEYS = {"1": "cant_judge", "2": "broken_prompt", "3": "offensive"}
KEY_CHOICE = {"1": -1, "2": 0, "3": 1}  # left/right orientation on the 3-point scale


def plan(n: int) -> list[tuple[str, str, bool]]:
    """(action, key, both_bad) per item: mostly votes, some with Both are bad, some skips."""
    actions = []
    for i in range(n):
        if i in (7, 33):
            actions.append(("skip", "123"[i % 3], False))
        else:
            actions.append(("vote", "123"[(i * 7 + i // 5) % 3], i in (4, 20, 41)))
    return actions


def demo_outputs(db_path) -> dict[tuple[str, str], str]:
    db = open_db(db_path)
    rows = db.conn.execute("""SELECT i.item_id, s.name, o.text FROM output o JOIN item i ON i.id = o.item_id
                              JOIN system s ON s.id = o.system_id""").fetchall()
    db.conn.close()
    return {(item, system): text for item, system, text in rows}


def test_demo_study_by_keyboard_alone_then_export_matches(demo_server, context):
    server, info = demo_server
    queue = rater_queue(server.db_path, "demo", "you")
    prompts = {a["item_id"]: a["prompt"] for a in queue}
    outputs = demo_outputs(server.db_path)
    tab = RaterTab(context.new_page(), server.base_url).open(info.rater_token)
    assert "/rate?token=" in tab.url()
    assert tab.page.get_by_role("button", name="Start").count() == 1  # instructions first
    tab.press("Enter")

    expected: dict[str, tuple] = {}  # item_id -> (left/right choice or None, both_bad, skip reason)
    for i, (action, key, both_bad) in enumerate(plan(len(queue))):
        assignment = queue[i]
        item = assignment["item_id"]
        # the screen shows the rater's next item, with the stored left side on the left
        assert tab.progress() == f"{i} of {len(queue)}"
        assert closest(tab.prompt(), prompts) == item
        pair = {s: outputs[(item, s)] for s in (assignment["system_a"], assignment["system_b"])}
        assert closest(tab.left(), pair) == assignment["left_system"]
        assert closest(tab.right(), pair) != assignment["left_system"]
        if action == "skip":
            tab.press("s")
            tab.press(key)
            expected[item] = (None, False, SKIP_KEYS[key])
        else:
            if both_bad:
                tab.press("x")
            tab.press(key)
            expected[item] = (KEY_CHOICE[key], both_bad, None)
        if i == 10:  # go back once and change the answer, by keyboard too
            tab.press("Backspace")
            assert closest(tab.prompt(), prompts) == item
            revised = "3" if key != "3" else "1"
            tab.press(revised)
            expected[item] = (KEY_CHOICE[revised], False, None)
    assert tab.done()
    assert tab.progress() == f"{len(queue)} of {len(queue)}"

    result = subprocess.run([*evalstore_command(), "export", str(server.db_path), "--study", "demo"],
                            capture_output=True, text=True, check=True)
    frame = pd.read_csv(io.StringIO(result.stdout), dtype={"item_id": str, "flag": str},
                        keep_default_na=False)
    mine = frame[frame["rater_id"] == "you"]
    assert len(frame) - len(mine) == info.n_judgments  # the simulated raters' judgments are untouched
    assert sorted(mine["item_id"]) == sorted(expected)  # one judgment per item, no more
    by_item = {a["item_id"]: a for a in queue}
    for row in mine.to_dict(orient="records"):
        choice, both_bad, skip = expected[row["item_id"]]
        a = by_item[row["item_id"]]
        assert (row["system_a"], row["system_b"], row["left_system"]) == (a["system_a"], a["system_b"],
                                                                          a["left_system"])
        if skip:
            assert row["preference"] == "" and row["flag"] == f"skip:{skip}"
        else:
            oriented = choice if a["left_system"] == a["system_a"] else -choice
            assert int(row["preference"]) == oriented, row["item_id"]
            assert row["flag"] == ("both_bad" if both_bad else "")
        assert float(row["duration_s"]) >= 0
