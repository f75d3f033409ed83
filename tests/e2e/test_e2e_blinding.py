"""Blinding checked the way an attacker would: everything the rater's browser receives during a
full rating session — websocket frames both ways, HTTP responses, the final DOM, every URL — and
no system name (nor the study name) in any of it."""

from __future__ import annotations

import re

import pytest
from e2e_support import RaterTab, rater_queue

pytestmark = pytest.mark.e2e

KEY_CLASS = re.compile(
    r"^st-key-(start|prompt|response-[ab]"
    r"|(vote|skipreason)-[0-9a-f]{8}-\d+(-\d+)?"
    r"|(rationale|bothbad|skip|back|continue|skipcancel)-(done-)?[0-9a-f]{8})$")


def test_nothing_the_browser_receives_names_a_system(lab, context):
    server, studies = lab
    study = studies["blind"]
    secrets = [s.encode() for s in study.systems] + [study.name.encode()]
    queue = rater_queue(server.db_path, study.name, "auditor")

    page = context.new_page()
    frames: list[bytes] = []
    responses = []
    urls: list[str] = []

    def on_socket(ws):
        urls.append(ws.url)
        for event in ("framereceived", "framesent"):
            ws.on(event, lambda payload: frames.append(payload.encode() if isinstance(payload, str) else payload))

    page.on("websocket", on_socket)
    page.on("response", lambda r: responses.append(r))
    page.on("framenavigated", lambda frame: urls.append(frame.url))

    tab = RaterTab(page, server.base_url).open(study.tokens["auditor"])
    urls.append(tab.url())
    tab.press("Enter")
    left_markers = []
    for n, assignment in enumerate(queue, start=1):
        item = assignment["item_id"]
        assert tab.prompt() == study.prompts[item]
        left = tab.left()
        marker = re.search(rf"mk-{item}-([pq])", left).group(1)  # p: the file's first system, q: second
        left_markers.append(marker)
        assert study.systems["pq".index(marker)] == assignment["left_system"]  # stored side, drawn left
        urls.append(tab.url())
        if n == 2:
            tab.press("x")  # both are bad
        if n == 3:
            tab.press("s")
            tab.press("3")  # skipped as offensive
            continue
        tab.press("2")  # criterion 1 of 2
        tab.press("4")  # criterion 2: the item is saved
        if n == 4:
            tab.press("Backspace")  # revise item 4 (both criteria) ...
            tab.press("5")
            tab.press("1")
            tab.press("Backspace")  # ... then look at item 4 again and leave it unchanged
            tab.press("Escape")
    assert tab.done()
    urls.append(tab.url())
    dom = tab.page.content()

    # the audit looks at real traffic: the frames carry the prompts and outputs it compares against
    received = b"".join(frames)
    assert len(frames) > 20
    assert all(study.prompts[a["item_id"]].encode() in received for a in queue)
    assert f"mk-{queue[0]['item_id']}-".encode() in received
    # the pair is not ordered the same way every time: both systems were on the left
    assert set(left_markers) == {"p", "q"}

    for secret in secrets:
        for i, frame in enumerate(frames):
            assert secret not in frame.lower(), f"websocket frame {i} contains {secret!r}"
        assert secret.decode() not in dom.lower(), f"the DOM contains {secret!r}"
        for url in urls + [r.url for r in responses]:
            assert secret.decode() not in url.lower(), url
    for response in responses:
        if "/static/" in response.url or not 200 <= response.status < 300:
            continue  # the app's own bundles, identical for every rater and study
        body = response.body()
        for secret in secrets:
            assert secret not in body.lower(), f"{response.url} contains {secret!r}"

    # a rater sees no admin page, no page list and no password prompt
    assert tab.page.locator('input[type="password"]').count() == 0
    assert tab.page.locator('a[href*="/overview"], a[href*="/analysis"]').count() == 0

    # widget keys (st-key-… classes) carry no ids: only sides, positions and a random per-screen nonce
    classes = set(re.findall(r"st-key-[A-Za-z0-9_-]+", dom))
    assert classes, "no keyed element found in the DOM"
    assert all(KEY_CLASS.match(c) for c in classes), sorted(c for c in classes if not KEY_CLASS.match(c))
