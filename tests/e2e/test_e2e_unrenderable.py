"""An output the browser's Markdown renderer cannot take (a model stuck writing "- - - - …" makes
Streamlit's renderer throw "RangeError: Maximum call stack size exceeded") must never cost the
rater the next items: every box always shows its own item's text, from the first item to the
last and back again with Back.

Two layers, each tested on its own: safe_markdown shows such nesting as plain text, so the
renderer never sees it; and should a box crash anyway (another shape, a browser with a smaller
stack), the crashed element is never reused for the next item.
"""

from __future__ import annotations

import re
import sqlite3
from urllib.parse import urlparse

import pytest
from e2e_support import RaterTab, make_study, rater_queue, start_server

from evalstore.render import PLAIN_TEXT_NOTE

pytestmark = pytest.mark.e2e

REMOTE_HOST = "198.51.100.7"
NESTED_LIST = "- " * 1500 + "x"
NESTED_QUOTES = ("> " * 1500 + "y, and still hostile: <img src=x onerror=\"window.__evalstore_xss = 'img'\"> "
                 f"![pic](http://{REMOTE_HOST}/x.png) [click](javascript:window.__evalstore_xss='link')")
NOTE = re.fullmatch(r":gray\[\*(.+)\*\]", PLAIN_TEXT_NOTE).group(1)
SYSTEMS = ("ravenmodel", "ottermodel")
# what a crashed box shows: Streamlit's error element, or the error's text
ERROR_ELEMENTS = '[data-testid^="stAlert"], [data-testid="stErrorElementStack"], [data-testid="stException"]'
ERROR_WORDS = ("RangeError", "Maximum call stack")
DANGEROUS = ("script", "img", "iframe", "a[href^='javascript:' i]", "[onerror]")
# the guard test's stand-in for an output that crashes the renderer however safe_markdown treats it
CRASH_MARKER = "CRASHPROBE"
# react-markdown's entry point, `function Markdown(options) {const processor = …(options), file = …(options);
# return post(processor.runSync(processor.parse(file), file), options)}`, as minified in Streamlit's bundle
MARKDOWN_ENTRY = re.compile(r"function (\w+)\((\w+)\)\{(?=let \w+=\w+\(\2\),\w+=\w+\(\2\);return \w+\(\w+\.runSync\()")


def ordinary(item: str, k: int) -> str:
    return f"Ordinary answer {item} number {k}, about {['harbours', 'glaciers'][k]} and {item}-{k}-words."


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("unrenderable")
    db_path = work / "unrenderable.db"
    prompts = {f"un{i:02d}": f"Question un{i:02d}: describe place number {i}." for i in range(1, 7)}
    outputs = {(item, s): ordinary(item, k) for item in prompts for k, s in enumerate(SYSTEMS)}
    outputs[("un01", SYSTEMS[0])] = NESTED_LIST
    outputs[("un02", SYSTEMS[1])] = NESTED_QUOTES
    nested = make_study(db_path, work, "nestedstudy", code="un", systems=SYSTEMS, raters=("nina",),
                        prompts=prompts, outputs=outputs)
    prompts = {f"gu{i:02d}": f"Question gu{i:02d}: describe place number {i}." for i in range(1, 5)}
    outputs = {(item, s): ordinary(item, k) for item in prompts for k, s in enumerate(SYSTEMS)}
    outputs[("gu01", SYSTEMS[1])] = f"{CRASH_MARKER}: this box crashes in the browser."
    guard = make_study(db_path, work, "guardstudy", code="gu", systems=SYSTEMS, raters=("gina",),
                       prompts=prompts, outputs=outputs)
    for study, rater in ((nested, "nina"), (guard, "gina")):
        queue_in_item_order(db_path, study.name, rater)
    srv = start_server(db_path, work)
    yield srv, nested, guard
    srv.stop()


def queue_in_item_order(db_path, study: str, rater: str) -> None:
    """Put the rater's queue in item order, so the unrenderable item comes first."""
    conn = sqlite3.connect(db_path)
    with conn:
        rows = conn.execute("""SELECT a.id, a.position FROM assignment a JOIN rater r ON r.id = a.rater_id
                               JOIN study s ON s.id = r.study_id JOIN item i ON i.id = a.item_id
                               WHERE s.name = ? AND r.name = ? ORDER BY i.item_id""", [study, rater]).fetchall()
        positions = sorted(position for _, position in rows)
        conn.executemany("UPDATE assignment SET position = -position WHERE id = ?", [(a,) for a, _ in rows])
        conn.executemany("UPDATE assignment SET position = ? WHERE id = ?",
                         [(p, a) for p, (a, _) in zip(positions, rows)])
    conn.close()


def flat(text: str) -> str:
    return " ".join(text.replace("\u2060", "").split())  # word joiners are invisible


def expected_screen(study, assignment: dict) -> dict[str, str]:
    """What each box must show for this assignment: its prompt, its left and its right output."""
    item, left = assignment["item_id"], assignment["left_system"]
    right = assignment["system_b"] if left == assignment["system_a"] else assignment["system_a"]
    return {".st-key-prompt": study.prompts[item], ".st-key-response-a": study.outputs[(item, left)],
            ".st-key-response-b": study.outputs[(item, right)]}


def box_texts(tab: RaterTab) -> dict[str, str]:
    return {sel: tab.page.locator(sel).inner_text() for sel in (".st-key-prompt", ".st-key-response-a",
                                                                  ".st-key-response-b")}


def assert_own_texts(tab: RaterTab, study, assignment: dict, crashed: str | None = None) -> None:
    """Every box shows exactly this item's text (nesting shown as plain text under its note), no error;
    except the box whose output ``crashed`` the renderer on purpose, which shows the error."""
    assert tab.has_item(), tab.main_text()
    shown = box_texts(tab)
    for sel, text in expected_screen(study, assignment).items():
        box = tab.page.locator(sel)
        if crashed is not None and crashed in text:
            assert box.locator(ERROR_ELEMENTS).count() > 0 and "RangeError" in shown[sel], shown[sel]
            continue
        if text in (NESTED_LIST, NESTED_QUOTES):
            assert flat(shown[sel]) == flat(NOTE + " " + text), (assignment["item_id"], sel, shown[sel][:300])
        else:
            assert flat(shown[sel]) == flat(text), (assignment["item_id"], sel, shown[sel][:300])
        assert box.locator(ERROR_ELEMENTS).count() == 0, (assignment["item_id"], sel)
        assert not any(word in shown[sel] for word in ERROR_WORDS), (assignment["item_id"], sel)
        for selector in DANGEROUS:
            assert box.locator(selector).count() == 0, f"{selector} created from an output"


def test_nested_outputs_never_take_the_boxes_of_other_items(server, context):
    srv, study, _ = server
    queue = rater_queue(srv.db_path, study.name, "nina")
    assert [a["item_id"] for a in queue] == sorted(study.prompts)
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    tab = RaterTab(page, srv.base_url).open(study.tokens["nina"])
    tab.press("Enter")

    # the nested list, the nested quotes and two more, each voted on
    for i in range(4):
        assert tab.progress() == f"{i} of {len(queue)}"
        assert_own_texts(tab, study, queue[i])
        tab.press("2")
    assert tab.progress() == f"4 of {len(queue)}"
    assert_own_texts(tab, study, queue[4])
    # back through all of them, to the nested list
    for i in (3, 2, 1, 0):
        tab.press("Backspace")
        assert "Revising item" in tab.main_text()
        assert_own_texts(tab, study, queue[i])
    # and on to the first open item
    tab.press("Escape")
    assert "Revising item" not in tab.main_text()
    assert_own_texts(tab, study, queue[4])

    # the plain-text fallback is as inert as the Markdown it replaces
    assert page.evaluate("typeof window.__evalstore_xss") == "undefined"
    local = urlparse(srv.base_url)
    for url in requests:
        parsed = urlparse(url)
        assert parsed.scheme in ("data", "blob") or (parsed.hostname, parsed.port) == (local.hostname, local.port), url


def test_a_box_that_crashes_anyway_is_not_reused_for_the_next_item(server, context):
    """The carry-over guard alone: the browser's renderer is made to crash on one output."""
    srv, _, study = server
    queue = rater_queue(srv.db_path, study.name, "gina")
    page = context.new_page()
    patched = []

    def crash_on_marker(route):
        response = route.fetch()
        body, n = MARKDOWN_ENTRY.subn(
            lambda m: (f"{m.group(0)}if(String({m.group(2)}.children).includes(`{CRASH_MARKER}`))"
                       "throw new RangeError(`Maximum call stack size exceeded`);"), response.text())
        patched.append(n)
        route.fulfill(response=response, body=body)

    page.route("**/static/js/StreamlitMarkdown.*.js", crash_on_marker)
    tab = RaterTab(page, srv.base_url).open(study.tokens["gina"])
    tab.press("Enter")
    assert patched == [1], "react-markdown's entry point not found in Streamlit's bundle: update MARKDOWN_ENTRY"

    assert_own_texts(tab, study, queue[0], crashed=CRASH_MARKER)  # the crash itself
    for i in (1, 2):
        tab.press("2")
        assert_own_texts(tab, study, queue[i])
    for i in (1, 0):
        tab.press("Backspace")
        assert_own_texts(tab, study, queue[i], crashed=CRASH_MARKER)
    tab.press("Escape")
    assert_own_texts(tab, study, queue[2])
