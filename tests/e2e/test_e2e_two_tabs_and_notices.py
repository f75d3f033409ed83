"""Two tabs of one rater, and the closed-study notice, in real chromium against `evalstore serve`.

* A tab still showing an item unanswered cannot replace the judgment another tab saved since: the rater
  is told and moved on; revising through Back still works.
* Closing the study while a rater has an item on screen: the refused key press says so in the page's own
  words, and after reopening and a websocket reconnect (the same server session reruns) no stale notice and
  nothing naming the study — here named after its systems — reaches the page or its websocket frames.
"""

from __future__ import annotations

import subprocess

import pytest
from e2e_support import RaterTab, closest, evalstore_command, make_study, rater_queue, start_server

from evalstore.db import open_db
from ui.rating import NOTICE_ANSWERED_ELSEWHERE, NOTICE_CLOSED

pytestmark = pytest.mark.e2e

KEY_CHOICE = {"1": -1, "2": 0, "3": 1}
SYSTEMS = ("zebramodel", "quokkamodel")
STUDY = "zebramodel-vs-quokkamodel"


def stored(db_path) -> dict[str, int | None]:
    db = open_db(db_path, readonly=True)
    rows = db.conn.execute("""SELECT i.item_id, j.preference FROM judgment j JOIN assignment a ON a.id = j.assignment_id
                              JOIN item i ON i.id = a.item_id""").fetchall()
    db.conn.close()
    assert len(rows) == len({r[0] for r in rows})
    return dict(rows)


def oriented(key: str, assignment: dict) -> int:
    choice = KEY_CHOICE[key]
    return choice if assignment["left_system"] == assignment["system_a"] else -choice


def cli(*args: str, cwd) -> None:
    subprocess.run([*evalstore_command(), *args], cwd=cwd, check=True, capture_output=True, timeout=120)


@pytest.fixture
def server_and_study(tmp_path):
    db_path = tmp_path / "tabs.db"
    study = make_study(db_path, tmp_path, STUDY, code="tb", systems=SYSTEMS, raters=("tess",), n_items=5)
    server = start_server(db_path, tmp_path)
    yield server, study
    server.stop()


def test_a_second_tab_cannot_overwrite_what_the_first_saved(server_and_study, context):
    server, study = server_and_study
    token = study.tokens["tess"]
    queue = {a["item_id"]: a for a in rater_queue(server.db_path, STUDY, "tess")}
    tab1 = RaterTab(context.new_page(), server.base_url).open(token)
    tab1.press("Enter")
    tab2 = RaterTab(context.new_page(), server.base_url).open(token)
    tab2.press("Enter")
    first = closest(tab1.prompt(), study.prompts)
    assert closest(tab2.prompt(), study.prompts) == first

    tab1.press("1")
    assert stored(server.db_path) == {first: oriented("1", queue[first])}
    tab2.page.bring_to_front()
    tab2.press("3")  # tab 2 still shows the first item unanswered
    assert stored(server.db_path) == {first: oriented("1", queue[first])}, "the saved judgment was replaced"
    assert NOTICE_ANSWERED_ELSEWHERE in tab2.main_text()
    assert closest(tab2.prompt(), study.prompts) == closest(tab1.prompt(), study.prompts) != first
    assert tab2.progress() == "1 of 5"

    tab2.press("Backspace")  # revising through Back stays possible
    assert closest(tab2.prompt(), study.prompts) == first
    tab2.press("3")
    assert stored(server.db_path) == {first: oriented("3", queue[first])}
    assert NOTICE_ANSWERED_ELSEWHERE not in tab2.main_text()


def test_closed_study_notice_speaks_the_pages_words_and_is_dropped_after_reopening(server_and_study, context,
                                                                                    tmp_path):
    server, study = server_and_study
    page = context.new_page()
    sockets = []
    frames: list[str] = []

    def through(ws):
        # the browser's websocket, passed through to the server; kept so the test can drop it
        sockets.append(ws)
        upstream = ws.connect_to_server()
        ws.on_message(lambda m: upstream.send(m))
        upstream.on_message(lambda m: (frames.append(m.decode("utf-8", "replace") if isinstance(m, bytes) else m),
                                       ws.send(m)))

    page.route_web_socket("**/_stcore/stream", through)
    tab = RaterTab(page, server.base_url).open(study.tokens["tess"])
    tab.press("Enter")
    item = closest(tab.prompt(), study.prompts)

    cli("close", str(server.db_path), cwd=tmp_path)
    tab.press("2")  # not saved
    assert stored(server.db_path) == {}
    text = tab.main_text()
    assert NOTICE_CLOSED in text and "This study is closed" in text

    cli("reopen", str(server.db_path), cwd=tmp_path)
    frames.clear()
    sockets[-1].close()  # the connection drops; the page reconnects to the same server session and reruns
    tab.page.wait_for_function("() => !!document.querySelector('.st-key-response-b')", timeout=30_000)
    tab.settle()
    assert len(sockets) >= 2, "the page did not reconnect"
    text = tab.main_text()
    assert "closed" not in text.lower(), text
    assert closest(tab.prompt(), study.prompts) == item
    received = "\n".join(frames) + page.content()
    for secret in (STUDY, *SYSTEMS):
        assert secret not in received and secret not in text, secret
    tab.press("2")
    assert list(stored(server.db_path)) == [item]
