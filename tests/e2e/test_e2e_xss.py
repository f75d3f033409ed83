"""Model outputs are hostile input: scripts, event handlers, javascript: and data: links, remote
images. Rendered in a real browser they must do nothing — no script, no dialog, no request that
leaves the machine — and show as the text the model wrote."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from e2e_support import RaterTab

pytestmark = pytest.mark.e2e

REMOTE_HOST = "198.51.100.7"
# elements that would run code or fetch something if an output could create them
DANGEROUS = ("script", "img", "iframe", "object", "embed", "style", "link", "svg[onload]", "video", "audio",
             "a[href^='javascript:' i]", "a[href^='data:' i]", "a[href^='vbscript:' i]", "[onerror]",
             "[onload]", "[onclick]", "[srcdoc]")


def test_hostile_outputs_do_nothing_and_show_as_text(lab, context):
    server, studies = lab
    study = studies["xss"]
    page = context.new_page()
    dialogs, requests = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url))
    local = urlparse(server.base_url)

    tab = RaterTab(page, server.base_url).open(study.tokens["eve"])
    tab.press("Enter")
    prompts = []
    for _ in range(len(study.prompts)):
        assert tab.has_item(), tab.main_text()
        boxes = [page.locator(sel) for sel in (".st-key-prompt", ".st-key-response-a", ".st-key-response-b")]
        for box in boxes:
            for selector in DANGEROUS:
                assert box.locator(selector).count() == 0, f"{selector} created from an output"
        tricky = next(b for b in boxes[1:] if "click me" in b.inner_text())
        shown = tricky.inner_text().replace("\u2060", "")  # word joiners are invisible
        # the markup shows literally, as the model wrote it
        assert "<script>window.__evalstore_xss = 'script'; alert('script')</script>" in shown
        assert '<img src=x onerror="window.__evalstore_xss = \'img\'; alert(\'img\')">' in shown
        assert "[click me](javascript:window.__evalstore_xss='link';alert('link'))" in shown
        assert f"![remote picture](http://{REMOTE_HOST}/x.png)" in shown
        assert f'<iframe src="http://{REMOTE_HOST}/frame"></iframe>' in shown
        code = next(b for b in boxes[1:] if b is not tricky)
        assert "<script>alert('in code')</script>" in code.inner_text()  # code blocks unchanged
        prompts.append(boxes[0].inner_text().replace("\u2060", ""))
        tricky.get_by_text("click me").first.click()  # plain text now: clicking it does nothing
        tricky.get_by_text("html link").first.click()
        page.wait_for_timeout(300)  # let any late event handler or load run before checking
        assert page.evaluate("typeof window.__evalstore_xss") == "undefined"
        assert dialogs == []
        tab.press("2")
    assert tab.done()
    assert any("<script>window.__evalstore_xss = 'prompt'</script> and ![p](http://198.51.100.7/p.png)" in p
               for p in prompts)  # the prompt is rendered the same safe way

    assert dialogs == []
    assert page.evaluate("typeof window.__evalstore_xss") == "undefined"
    assert requests, "no request recorded"
    for url in requests:
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob"):
            continue
        assert (parsed.hostname, parsed.port) == (local.hostname, local.port), f"request off the machine: {url}"
    assert not any(REMOTE_HOST in url for url in requests)
