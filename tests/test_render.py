"""safe_markdown: untrusted model output displayed literally, never fetching or running anything.

The browser-level checks (Streamlit's real renderer in chromium) are tests/e2e/test_e2e_xss.py and
tests/e2e/test_e2e_unrenderable.py; these tests pin the transformation itself.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import doctest
import time

import evalstore.render
from evalstore.render import (
    MAX_NESTING,
    PLAIN_TEXT_NOTE,
    WORD_JOINER,
    nesting_depth,
    plain_text_markdown,
    safe_markdown,
    split_code,
)

WJ = WORD_JOINER


def test_raw_html_is_escaped_so_it_shows_as_text():
    out = safe_markdown('Hi <script>alert(1)</script> and <img src=x onerror="alert(2)"> <!-- c -->')
    assert "<script" not in out and "</script" not in out and "<img" not in out and "<!--" not in out
    assert "&lt;script>alert(1)&lt;/script>" in out
    assert '&lt;img src=x onerror="alert(2)">' in out


def test_entities_display_literally():
    assert safe_markdown("&lt;b&gt; and &#60;i&#62;") == "&amp;lt;b&amp;gt; and &amp;#60;i&amp;#62;"
    # an ampersand that is not an entity is left alone (URLs keep working)
    assert safe_markdown("a & b, https://x.org/?a=1&b=2") == "a & b, https://x.org/?a=1&b=2"


def test_comparison_operators_are_left_alone():
    assert safe_markdown("if a < b and c <= d: pass") == "if a < b and c <= d: pass"


@pytest.mark.parametrize("image", [
    "![chart](http://198.51.100.7/x.png)",
    '![chart](http://198.51.100.7/x.png "title")',
    "![chart][ref]\n\n[ref]: http://198.51.100.7/x.png",
    "![chart]",
    "[![badge](http://198.51.100.7/b.svg)](https://example.org)",
])
def test_markdown_images_are_neutralised(image):
    out = safe_markdown(image)
    assert "![" not in out
    assert "!\\[" in out  # in prose the image's source is shown as text


def test_image_becomes_its_source_text():
    assert safe_markdown("![chart](http://198.51.100.7/x.png)") == "!\\[chart](http://198.51.100.7/x.png)"


def test_images_are_neutralised_inside_code_too():
    # the image rule must not depend on telling code from prose
    out = safe_markdown("```\n![x](http://198.51.100.7/x.png)\n```\n`![y](http://198.51.100.7/y.png)`")
    assert "![" not in out
    assert out.count("!" + WJ + "[") == 2  # invisible there, so copied code still reads the same


def test_escaped_bang_before_bracket_is_still_not_an_image():
    # "\\![" is an escaped backslash followed by a real image opener
    assert "![" not in safe_markdown(r"\\![x](http://198.51.100.7/x.png)")
    assert "![" not in safe_markdown(r"\![x](http://198.51.100.7/x.png)")


def test_streamlit_logo_shortcode_is_not_an_image():
    assert ":streamlit:" not in safe_markdown("made with :streamlit:")


@pytest.mark.parametrize("link", [
    "[click](javascript:alert(1))",
    "[click](JavaScript:alert(1))",
    "[click]( javascript:alert(1))",
    "[click](\njavascript:alert(1))",
    "[click](<javascript:alert(1)>)",
    r"[click](javascript\:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    "[click](vbscript:msgbox(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](\x01javascript:alert(1))",
])
def test_links_with_dangerous_schemes_become_text(link):
    out = safe_markdown(link)
    assert "](" not in out
    assert "]" + WJ + "(" in out


@pytest.mark.parametrize("definition", [
    "[click][r]\n\n[r]: javascript:alert(1)",
    "[r]\n\n[r]:\n  data:text/html,x",
    "> [r]: vbscript:x",
])
def test_link_reference_definitions_with_dangerous_schemes_are_broken(definition):
    out = safe_markdown(definition)
    assert re.search(r"\]:", out) is None


def test_autolinks_with_any_scheme_are_text():
    out = safe_markdown("<javascript:alert(1)> <http://198.51.100.7/>")
    assert "<javascript" not in out and "<http" not in out


@pytest.mark.parametrize("link", [
    "[docs](https://example.org/a?b=1)",
    "[docs](http://example.org)",
    "[mail](mailto:someone@example.org)",
    "[anchor](#section)",
    "[rel](page.html)",
])
def test_ordinary_links_are_kept(link):
    assert safe_markdown(link) == link


def test_bare_url_inside_raw_html_stays_plain_text():
    # GFM would make the URL a link running over the escaped "</a>" and show "&lt;/a>" in it
    out = safe_markdown('<a href="https://example.org">Example</a> and <img src="http://198.51.100.7/x.png">')
    assert out == ('&lt;a href="https:' + WJ + '//example.org">Example&lt;/a> and '
                   '&lt;img src="http://198.51.100.7/x.png">')  # nothing swallowed here: left as is


def test_bare_urls_in_prose_are_left_alone():
    text = "See https://example.org/a?b=1&c=2 or www.example.org, and [docs](https://example.org/<b>)."
    out = safe_markdown(text)
    assert "https://example.org/a?b=1&c=2" in out and "www.example.org" in out
    assert "(https://example.org/" in out


def test_fenced_code_is_left_exactly_as_written():
    code = "```html\n<div class=\"a\">&amp; <b>x</b></div>\n[a](javascript:void(0))\n```\n"
    assert safe_markdown(code) == code


def test_fenced_code_inside_a_list_is_code():
    text = "1. Run:\n\n    ```python\n    if a < b and x.get('<b>'):\n        pass\n    ```\n2. Done <b>"
    out = safe_markdown(text)
    assert "if a < b and x.get('<b>'):" in out
    assert out.endswith("2. Done &lt;b>")


def test_inline_code_is_left_alone_and_prose_around_it_escaped():
    out = safe_markdown("Use `<br>` or ``a ` <i> b`` but not <br>")
    assert out == "Use `<br>` or ``a ` <i> b`` but not &lt;br>"


def test_unclosed_backtick_is_prose():
    assert safe_markdown("a ` <b> b") == "a ` &lt;b> b"


def test_code_span_does_not_cross_a_blank_line():
    # a backtick in one paragraph cannot pair with one in the next
    out = safe_markdown("`a\n\n<b>\n\n`")
    assert "&lt;b>" in out


def test_table_pipe_ends_a_code_span():
    # GFM splits cells at '|' before it looks for code spans
    out = safe_markdown("| h | i |\n|---|---|\n| `x | <b>` | y |")
    assert "&lt;b>" in out


def test_indented_code_block_is_code():
    out = safe_markdown("Example:\n\n    <b>bold</b>\n\nAfter <b>")
    assert "    <b>bold</b>" in out
    assert out.endswith("After &lt;b>")


def test_backslash_escapes_are_kept():
    assert safe_markdown(r"\<b> and \* and \[x] and \&amp;") == r"\<b> and \* and \[x] and \&amp;"


def test_empty_and_none():
    assert safe_markdown("") == ""
    assert safe_markdown(None) == ""


def test_newlines_are_normalised_and_nul_replaced():
    assert safe_markdown("a\r\nb\rc\x00") == "a\nb\nc\ufffd"


def test_realistic_output_is_unchanged():
    text = (
        "Here is a summary:\n\n"
        "- **Refund** within 14 days\n"
        "- Contact [support](https://example.org/help)\n\n"
        "```json\n{\"order\": 123, \"status\": \"<packed>\"}\n```\n"
    )
    assert safe_markdown(text) == text


_alphabet = st.sampled_from(list("ab<>&![]()`~ \n\t-*1.:|\\#/") + ["javascript:", "http://", "```", "    "])


@settings(max_examples=400, deadline=None)
@given(st.lists(_alphabet, max_size=60).map("".join))
def test_split_code_loses_nothing(text):
    assert "".join(seg for _, seg in split_code(text)) == text


@settings(max_examples=400, deadline=None)
@given(st.lists(_alphabet, max_size=60).map("".join))
def test_no_image_opener_ever_survives(text):
    assert "![" not in safe_markdown(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(_alphabet, max_size=60).map("".join))
def test_prose_never_keeps_a_tag_opener_or_a_javascript_link(text):
    out = safe_markdown(text)
    for is_code, seg in split_code(out):
        if is_code:
            continue
        for m in re.finditer(r"(\\*)<[A-Za-z/!?]", seg):
            assert len(m.group(1)) % 2 == 1, seg  # only a backslash-escaped "<" may stay
        assert re.search(r"\]\(\s*<?javascript:", seg) is None


# --- nesting the browser's renderer cannot take (RangeError: Maximum call stack size exceeded) -----

def shown_as_plain_text(out: str) -> str:
    """What the rater reads from a plain-text fallback: escapes, hard breaks and no-break spaces undone."""
    assert out.startswith(PLAIN_TEXT_NOTE + "\n\n"), out[:200]
    body = out[len(PLAIN_TEXT_NOTE) + 2:]
    body = re.sub(r"\\\n", "\n", body)  # hard line breaks
    body = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", body)
    return body.replace("\u00a0", " ").replace(WJ, "")


BOMBS = {
    "nested list": "- " * 1500 + "x",
    "nested ordered list": "1. " * 1500 + "x",
    "nested blockquotes": "> " * 1500 + "y",
    "blockquotes without spaces": ">" * 3000 + "y",
    "quotes and lists": "> - " * 750 + "z",
    "list nested by indentation": "\n".join("  " * k + "- item" for k in range(300)),
    "nested emphasis": "*a " * 1000 + "x" + " b*" * 1000,
    "nested strong": "**a " * 1000 + "x" + " b**" * 1000,
    "nested underscores": "_a " * 1000 + "x" + " b_" * 1000,
    "nested strikethrough": "~~a " * 1000 + "x" + " b~~" * 1000,
    "a wall of stars": "*" * 4000 + "x" + "*" * 4000,
    "list of emphasis": "- " * 40 + "*a " * 40 + "x" + " b*" * 40,
    "after a good answer": "Here is the answer.\n\n1. First\n2. Second\n\n" + "> " * 2000 + "and then it looped",
}


@pytest.mark.parametrize("name", BOMBS)
def test_nesting_the_renderer_cannot_take_is_shown_as_plain_text(name):
    text = BOMBS[name]
    assert nesting_depth(text) > MAX_NESTING
    out = safe_markdown(text)
    # every character the model wrote, in order
    assert shown_as_plain_text(out) == text.strip("\n")
    # and flat: no list, quote or emphasis left for the renderer to recurse into
    assert nesting_depth(out) <= 2  # the note's emphasis (a bound: it counts as 2)
    assert not re.search(r"^[ \t]*(?:[-*+>]|\d+[.)])", out[len(PLAIN_TEXT_NOTE):], re.M)


def test_plain_text_keeps_lines_indentation_and_paragraphs():
    out = safe_markdown("- " * 100 + "x\n    indented\n\ttabbed\n\nnew paragraph")
    assert out.endswith("x\\\n\u00a0\u00a0\u00a0\u00a0indented\\\n" + "\u00a0" * 4 + "tabbed\n\nnew paragraph")


@pytest.mark.parametrize("text", [
    "- a\n  - b\n    - c",
    "1. a\n   1. b\n      1. c\n\n> quoted\n> > twice",
    "- " * MAX_NESTING + "deep but fine",
    "> " * MAX_NESTING + "deep but fine",
    "*a " * 30 + "x" + " b*" * 30,
    "[" * 3000 + "x" + "]" * 3000,  # brackets do not nest: measured fine far beyond this
    "(" * 3000 + "x" + ")" * 3000,
    "Use **bold** here and **there**. " * 500,
    "snake_case_names and __dunder__ names " * 500,
    "a * b * c = 2 ** 10 " * 500,
    "_id, _rev and _key everywhere " * 500,
    "```python\n" + "\n".join(" " * k + "x = 1" for k in range(400)) + "\n```",  # deep indentation in code
    "Text\n" + "\n".join(" " * (k % 8) + "- item" for k in range(3000)),  # much indentation, few levels
    "```python\ndef f(*args, **kwargs):\n    return a ** b\n```\n" * 200,
])
def test_real_and_merely_odd_text_keeps_its_markdown(text):
    assert nesting_depth(text) <= MAX_NESTING
    assert not safe_markdown(text).startswith(PLAIN_TEXT_NOTE)


def test_normal_nested_list_is_unchanged():
    text = "Steps:\n\n- one\n  - one.a\n    - one.a.i\n- two"
    assert safe_markdown(text) == text


def test_the_limit_is_sharp():
    assert not safe_markdown("- " * MAX_NESTING + "x").startswith(PLAIN_TEXT_NOTE)
    assert safe_markdown("- " * (MAX_NESTING + 1) + "x").startswith(PLAIN_TEXT_NOTE)
    # block and inline nesting add up
    assert safe_markdown("- " * (MAX_NESTING // 2) + "*a " * (MAX_NESTING // 2 + 1) + "x"
                         + " b*" * (MAX_NESTING // 2 + 1)).startswith(PLAIN_TEXT_NOTE)


def test_unclosed_delimiters_nest_nothing():
    # an opener that nothing closes is text, however many there are
    assert nesting_depth("*a " * 5000) == 0
    assert nesting_depth("x_ " * 5000) == 0


def test_escaped_delimiters_do_not_count():
    assert nesting_depth(r"\*a " * 1000 + "x" + r" b\*" * 1000) == 0


def test_delimiters_in_code_do_not_count():
    assert nesting_depth("`" + "*a " * 1000 + "x" + " b*" * 1000 + "`") == 0
    assert nesting_depth("```\n" + "*a " * 1000 + "x" + " b*" * 1000 + "\n```") == 0


def test_nesting_inside_a_fence_still_counts_for_blocks():
    # a fence inside a list or quote nests as deep as its container prefix
    assert nesting_depth("> " * 1500 + "```\ncode\n```") > MAX_NESTING


def test_plain_text_fallback_keeps_the_safety_properties():
    hostile = ("- " * 1500 + "x\n<script>alert(1)</script> <img src=x onerror=alert(2)>\n"
               "![pic](http://198.51.100.7/x.png) [click](javascript:alert(3)) <javascript:alert(4)>\n"
               "[r]: javascript:alert(5)\n&lt;b&gt; :streamlit: $\\href{javascript:alert(6)}{tex}$ :red[colour]\n"
               "```\n![in code](http://198.51.100.7/c.png)\n```")
    out = safe_markdown(hostile)
    assert out.startswith(PLAIN_TEXT_NOTE)
    assert "![" not in out
    assert re.search(r"(?<!\\)[<&\[\]()$`:!]", out[len(PLAIN_TEXT_NOTE):]) is None  # all escaped
    assert ":streamlit" + WJ in out
    assert shown_as_plain_text(out) == hostile


def test_plain_text_markdown_directly():
    assert plain_text_markdown("a\nb") == PLAIN_TEXT_NOTE + "\n\na\\\nb"
    assert plain_text_markdown("a\n\n\n  \nb") == PLAIN_TEXT_NOTE + "\n\na\n\n\n\nb"


def test_megabyte_outputs_stay_cheap():
    # every rerun of the rating page passes the prompt and both outputs through safe_markdown
    for text in ("- " * 500_000, "> " * 500_000, "*a " * 333_333, "*a " * 160_000 + " b*" * 160_000,
                 ("A paragraph with *some* emphasis, `code` and a [link](https://example.org).\n\n- a\n- b\n\n")
                 * 10_000):
        start = time.perf_counter()
        safe_markdown(text)
        assert time.perf_counter() - start < 5, text[:40]


def test_docstring_examples():
    result = doctest.testmod(evalstore.render)
    assert result.attempted > 0 and result.failed == 0


@settings(max_examples=300, deadline=None)
@given(st.lists(_alphabet, max_size=60).map("".join))
def test_plain_text_fallback_shows_every_character(text):
    out = safe_markdown("> " * 100 + text)
    assert out.startswith(PLAIN_TEXT_NOTE)
    shown = shown_as_plain_text(out)
    assert "".join(shown.split()) == "".join(("> " * 100 + text).split())


@settings(max_examples=300, deadline=None)
@given(st.lists(_alphabet, max_size=60).map("".join))
def test_plain_text_fallback_is_as_safe_as_markdown(text):
    out = safe_markdown("- " * 100 + text)
    assert "![" not in out
    for is_code, seg in split_code(out[len(PLAIN_TEXT_NOTE):]):
        assert not is_code, seg  # nothing in it is code, or anything else
        for m in re.finditer(r"(\\*)[<\[\]()`]", seg):
            assert len(m.group(1)) % 2 == 1, seg


def test_footnote_definitions_never_hide_the_text():
    """An output that is only a footnote definition rendered an empty box; footnotes show as written."""
    assert safe_markdown("[^1]: The entire answer zz8.") == "\\[^1]: The entire answer zz8."
    assert safe_markdown("ref[^a]\n\n[^a]: [^b]: deep x") == "ref\\[^a]\n\n\\[^a]: \\[^b]: deep x"
    assert safe_markdown("`[^1]: in code`") == "`[^1]: in code`"
