"""A reload, a closed tab or a server restart loses nothing; two raters at once stay apart."""

from __future__ import annotations

import pytest
from e2e_support import RaterTab, closest, rater_queue, start_server

from evalstore.db import open_db

pytestmark = pytest.mark.e2e

KEY_CHOICE = {"1": -1, "2": 0, "3": 1}


def stored(db_path, study: str, rater: str) -> dict[str, tuple]:
    """item_id -> (preference, skip_reason) for every judgment of the rater."""
    db = open_db(db_path)
    rows = db.conn.execute(
        """SELECT i.item_id, j.preference, j.skip_reason FROM judgment j
           JOIN assignment a ON a.id = j.assignment_id JOIN item i ON i.id = a.item_id
           JOIN rater r ON r.id = a.rater_id JOIN study s ON s.id = r.study_id
           WHERE s.name = ? AND r.name = ?""", [study, rater]).fetchall()
    db.conn.close()
    assert len(rows) == len({r[0] for r in rows}), "two judgments for one item"
    return {item: (pref, skip) for item, pref, skip in rows}


def oriented(key: str, assignment: dict) -> int:
    choice = KEY_CHOICE[key]
    return choice if assignment["left_system"] == assignment["system_a"] else -choice


def test_reload_closed_tab_and_server_restart_resume_on_the_right_item(fresh_server, browser, context, tmp_path):
    server, study = fresh_server
    token = study.tokens["fay"]
    queue = rater_queue(server.db_path, "freshstudy", "fay")
    by_item = {a["item_id"]: a for a in queue}
    expected = {}

    tab = RaterTab(context.new_page(), server.base_url).open(token)
    tab.press("Enter")
    for key in ("1", "3"):
        item = closest(tab.prompt(), study.prompts)
        tab.press(key)
        expected[item] = (oriented(key, by_item[item]), None)
    third = tab.prompt()
    assert closest(third, study.prompts) == queue[2]["item_id"]

    tab.reload()  # a browser reload
    assert "/rate?token=" in tab.url()
    assert tab.prompt() == third and tab.progress() == f"2 of {len(queue)}"
    assert stored(server.db_path, "freshstudy", "fay") == expected

    tab.press("s")
    tab.press("2")  # skip the third item: the prompt is broken
    expected[queue[2]["item_id"]] = (None, "broken_prompt")
    fourth = tab.prompt()
    tab.page.close()  # a closed tab; the link opened again in another browser window
    other = browser.new_context()
    try:
        tab = RaterTab(other.new_page(), server.base_url).open(token)
        assert tab.prompt() == fourth and tab.progress() == f"3 of {len(queue)}"
    finally:
        other.close()

    server.stop()  # a server restart
    restarted = start_server(server.db_path, tmp_path)
    try:
        tab = RaterTab(context.new_page(), restarted.base_url).open(token)
        assert tab.prompt() == fourth and tab.progress() == f"3 of {len(queue)}"
        while not tab.done():
            item = closest(tab.prompt(), study.prompts)
            tab.press("2")
            expected[item] = (0, None)
    finally:
        restarted.stop()
    assert stored(server.db_path, "freshstudy", "fay") == expected
    assert len(expected) == len(queue)


def record_frames(page) -> list[bytes]:
    frames: list[bytes] = []

    def on_socket(ws):
        for event in ("framereceived", "framesent"):
            ws.on(event, lambda payload: frames.append(payload.encode() if isinstance(payload, str) else payload))

    page.on("websocket", on_socket)
    return frames


def test_two_raters_at_once_never_receive_each_others_items(lab, browser):
    server, studies = lab
    study = studies["pair"]
    contexts = [browser.new_context(), browser.new_context()]
    try:
        tabs, frames, queues, seen, pressed = {}, {}, {}, {}, {}
        for rater, ctx in zip(("ana", "ben"), contexts):
            page = ctx.new_page()
            frames[rater] = record_frames(page)
            tabs[rater] = RaterTab(page, server.base_url).open(study.tokens[rater])
            queues[rater] = rater_queue(server.db_path, "pairstudy", rater)
            seen[rater], pressed[rater] = [], {}
        assert not {a["item_id"] for a in queues["ana"]} & {a["item_id"] for a in queues["ben"]}

        # both press at the same moment, then both wait: the server handles the two at once
        befores = {r: tabs[r].press_nowait("Enter") for r in tabs}
        for r in tabs:
            tabs[r].wait_changed(befores[r])
        step = 0
        while not all(t.done() for t in tabs.values()):
            befores = {}
            for offset, (rater, tab) in enumerate(tabs.items()):
                if tab.done():
                    continue
                item = closest(tab.prompt(), study.prompts)
                seen[rater].append(item)
                key = "123"[(step + offset) % 3]
                pressed[rater][item] = key
                befores[rater] = tab.press_nowait(key)
            for rater, before in befores.items():
                tabs[rater].wait_changed(before)
            step += 1

        for rater, other in (("ana", "ben"), ("ben", "ana")):
            mine = [a["item_id"] for a in queues[rater]]
            theirs = [a["item_id"] for a in queues[other]]
            assert seen[rater] == mine  # exactly their own queue, in order
            received = b"".join(frames[rater])
            assert all(f"Question {i}".encode() in received for i in mine)  # the recording works
            assert not any(f"Question {i}".encode() in received for i in theirs)
            assert not any(f"mk-{i}-".encode() in received for i in theirs)
            by_item = {a["item_id"]: a for a in queues[rater]}
            assert stored(server.db_path, "pairstudy", rater) == {
                item: (oriented(key, by_item[item]), None) for item, key in pressed[rater].items()}
    finally:
        for ctx in contexts:
            ctx.close()
