"""Make untrusted model output safe to hand to ``st.markdown`` (HTML disabled).

Outputs are written by the models under evaluation, so they are attacker
controlled as far as the rater's browser is concerned. ``safe_markdown``
returns Markdown source that, rendered by Streamlit's GitHub-flavoured
Markdown renderer, cannot fetch anything or run anything:

* **Images** (``![alt](url)`` and ``![alt][ref]``) never become images: in
  prose the bracket is escaped (``!\\[alt](url)``), so the source shows as
  text; and everywhere, code included, an invisible WORD JOINER (U+2060) ends
  up between any remaining ``!`` and ``[``. A Markdown image needs the two
  characters adjacent, so no image element is ever produced and the browser
  never fetches a remote (or any) image. The second rule does not depend on
  telling code from prose, so a misjudged code region cannot let an image
  through. Streamlit's ``:streamlit:`` logo shortcode (an inline image) is
  broken with a word joiner outside code.
* **Raw HTML** outside code is escaped (``<tag`` → ``&lt;tag``, an entity
  ``&name;`` → ``&amp;name;``), so it displays literally as the text the model
  wrote. (Streamlit also shows raw HTML as text when ``unsafe_allow_html`` is
  off; this is the second layer, and it keeps Markdown inside a would-be HTML
  block rendering as Markdown.)
* **Links** outside code whose destination has a scheme other than http,
  https or mailto (``javascript:``, ``data:``, ``vbscript:`` …, also hidden
  behind backslash escapes, leading controls or an angle-bracket form) are
  turned into plain text; Streamlit's own link rewriting is the second layer.

Code blocks and code spans are left exactly as written (apart from the image
rule), because raters copy code to check it. Telling code from prose is done
generously: when in doubt a region counts as code, and the cost of a wrong
guess is only that raw HTML there is shown as text by Streamlit's renderer
instead of by our escaping.
"""

from __future__ import annotations

import re

WORD_JOINER = "\u2060"
_ASCII_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_SAFE_SCHEMES = {"http", "https", "mailto"}

# a line that opens a fenced code block, after any blockquote / list-item prefixes
_CONTAINER_PREFIX = re.compile(r"^(?:[ \t]*(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))?[ \t]*)*")
_FENCE_OPEN = re.compile(r"^(`{3,}|~{3,})(.*)$")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});")
_TABLE_DELIMITER_ROW = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_BARE_URL = re.compile(r"(?i)\b(https?:(?=//)|www(?=\.))[^\s<]*")


def safe_markdown(text: str | None) -> str:
    """Markdown for ``st.markdown`` that shows ``text`` without fetching or running anything.

    >>> safe_markdown("<b>hi</b> ![x](http://198.51.100.7/x.png)")
    '&lt;b>hi&lt;/b> !\\\\[x](http://198.51.100.7/x.png)'
    >>> safe_markdown("`<b>` stays code")
    '`<b>` stays code'
    """
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    out = []
    for is_code, segment in split_code(text):
        out.append(segment if is_code else _escape_prose(segment))
    # the image rule applies to code too: it must not depend on the code/prose guess
    return "".join(out).replace("![", "!" + WORD_JOINER + "[")


def split_code(text: str) -> list[tuple[bool, str]]:
    """Cut ``text`` into (is_code, segment) pieces; joined they give ``text`` back.

    Code is fenced blocks (also inside lists and blockquotes), indented blocks
    after a blank line, and inline code spans within one paragraph.
    """
    pieces: list[tuple[bool, str]] = []
    lines = text.split("\n")
    prose: list[str] = []
    i = 0

    def flush_prose():
        if prose:
            for is_code, seg in _split_paragraphs_inline("\n".join(prose) + "\n"):
                pieces.append((is_code, seg))
            prose.clear()

    previous_blank = True
    while i < len(lines):
        line = lines[i]
        content = _CONTAINER_PREFIX.sub("", line, count=1)
        fence = _FENCE_OPEN.match(content)
        if fence and not (fence.group(1)[0] == "`" and "`" in fence.group(2)):
            flush_prose()
            char, length = fence.group(1)[0], len(fence.group(1))
            block = [line]
            i += 1
            while i < len(lines):
                block.append(lines[i])
                closing = _CONTAINER_PREFIX.sub("", lines[i], count=1).rstrip()
                i += 1
                if len(closing) >= length and set(closing) == {char}:
                    break
            pieces.append((True, "\n".join(block) + "\n"))
            previous_blank = False
            continue
        if previous_blank and _indented(line) and line.strip():
            flush_prose()
            block = []
            while i < len(lines) and (_indented(lines[i]) or not lines[i].strip()):
                block.append(lines[i])
                i += 1
            pieces.append((True, "\n".join(block) + "\n"))
            previous_blank = not block[-1].strip()
            continue
        prose.append(line)
        previous_blank = not line.strip()
        i += 1
    flush_prose()
    # every group got a newline after its last line; the text's last line has none
    if pieces:
        is_code, seg = pieces[-1]
        pieces[-1] = (is_code, seg[:-1])
    return [(c, s) for c, s in pieces if s]


def _indented(line: str) -> bool:
    return line.startswith("    ") or line.startswith("\t")


def _split_paragraphs_inline(text: str) -> list[tuple[bool, str]]:
    """Inline code spans, searched within each blank-line-separated paragraph."""
    pieces: list[tuple[bool, str]] = []
    for paragraph in re.split(r"(\n[ \t]*\n)", text):
        if not paragraph:
            continue
        pieces.extend(_code_spans(paragraph))
    return pieces


def _code_spans(paragraph: str) -> list[tuple[bool, str]]:
    # GFM splits table cells before finding code spans, so a '|' ends a span in a table
    is_table = any(_TABLE_DELIMITER_ROW.match(line) and "|" in line for line in paragraph.split("\n"))
    pieces: list[tuple[bool, str]] = []
    start = i = 0
    n = len(paragraph)
    while i < n:
        c = paragraph[i]
        if c == "\\" and i + 1 < n and paragraph[i + 1] in _ASCII_PUNCT:
            i += 2
            continue
        if c != "`":
            i += 1
            continue
        run_end = i
        while run_end < n and paragraph[run_end] == "`":
            run_end += 1
        run = run_end - i
        close = _matching_run(paragraph, run_end, run)
        if close is not None and not (is_table and "|" in paragraph[run_end:close]):
            if start < i:
                pieces.append((False, paragraph[start:i]))
            pieces.append((True, paragraph[i:close + run]))
            start = i = close + run
        else:
            i = run_end
    if start < n:
        pieces.append((False, paragraph[start:]))
    return pieces


def _matching_run(text: str, pos: int, run: int) -> int | None:
    """Start of the next backtick run of exactly ``run`` backticks at or after ``pos``."""
    n = len(text)
    while pos < n:
        j = text.find("`", pos)
        if j < 0:
            return None
        k = j
        while k < n and text[k] == "`":
            k += 1
        if k - j == run:
            return j
        pos = k
    return None


def _escape_prose(text: str) -> str:
    breaks = _autolinks_to_break(text)
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if i in breaks:
            out.append(WORD_JOINER)
        c = text[i]
        nxt = text[i + 1] if i + 1 < n else ""
        if c == "\\" and nxt in _ASCII_PUNCT and nxt:
            out.append(text[i:i + 2])  # already an escape: keep it, and skip the escaped character
            i += 2
            continue
        if c == "!" and nxt == "[":
            out.append("!\\[")  # an image becomes its literal source text (the backstop covers code)
            i += 2
            continue
        if c == "<" and nxt and _opens_tag(nxt):
            out.append("&lt;")  # would open an HTML tag, comment or autolink
        elif c == "&" and _ENTITY.match(text, i):
            out.append("&amp;")
        elif c == "]" and nxt in "(:" and _unsafe_destination(text, i + 2):
            out.append("]" + WORD_JOINER)  # no longer `](` or `]:`, so no link and no link definition
        elif c == ":" and text.startswith(":streamlit:", i):
            out.append(":streamlit" + WORD_JOINER)  # Streamlit's logo shortcode is an inline image
            i += len(":streamlit")
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _autolinks_to_break(text: str) -> set[int]:
    """Where to break a bare URL that would swallow one of our escapes.

    GFM turns a bare ``http://…`` or ``www.…`` into a link that runs to the next space or ``<``,
    and shows its text without decoding entities. In ``<a href="http://x">y</a>`` the raw ``<``
    ends the URL, but once escaped to ``&lt;`` it would not, and the link would show ``&lt;/a>``.
    Such a URL sat inside raw HTML anyway; a word joiner after its scheme (or ``www``) keeps it
    plain text, shown exactly as written.
    """
    breaks = set()
    for m in _BARE_URL.finditer(text):
        if m.start() > 0 and text[m.start() - 1] == "(":
            continue  # a link destination, not a bare URL
        end = m.end()
        swallows = (end < len(text) and text[end] == "<" and end + 1 < len(text)
                    and _opens_tag(text[end + 1])) or _ENTITY.search(m.group(0))
        if swallows:
            breaks.add(m.end(1))
    return breaks


def _opens_tag(c: str) -> bool:
    return c.isascii() and (c.isalpha() or c in "/!?")


def _unsafe_destination(text: str, pos: int) -> bool:
    """Whether the link destination starting at ``pos`` has a scheme other than http(s)/mailto."""
    n = len(text)
    newlines = 0
    while pos < n and text[pos] in " \t\n":
        newlines += text[pos] == "\n"
        if newlines > 1:
            return False
        pos += 1
    end = pos
    if end < n and text[end] == "<":
        close = text.find(">", end)
        end = n if close < 0 else close
    else:
        while end < n and not text[end].isspace():
            end += 1
    raw = text[pos:end]
    # what the browser will see: Markdown backslash escapes undone, controls and spaces dropped
    decoded = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", raw).lstrip("<")
    decoded = "".join(ch for ch in decoded if ord(ch) > 0x20 and ord(ch) != 0x7F)
    if decoded.startswith("&"):
        return True  # an entity could spell any scheme
    scheme = _SCHEME.match(decoded)
    return bool(scheme) and scheme.group(1).lower() not in _SAFE_SCHEMES
