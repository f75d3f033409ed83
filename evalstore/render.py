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

* **Nesting** the browser's renderer cannot take (thousands of nested list
  items, blockquotes or emphasis markers, as a model stuck in a loop writes
  them) never reaches it: Streamlit's renderer recurses once per level and
  throws ``RangeError: Maximum call stack size exceeded`` (or crashes the tab)
  long before real text gets anywhere near. Such an output is shown as plain
  text instead: every character the model wrote, with no Markdown structure
  at all (see ``MAX_NESTING``).

Code blocks and code spans are left exactly as written (apart from the image
rule), because raters copy code to check it. Telling code from prose is done
generously: when in doubt a region counts as code, and the cost of a wrong
guess is only that raw HTML there is shown as text by Streamlit's renderer
instead of by our escaping.
"""

from __future__ import annotations

import re
import unicodedata

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
    pieces = _renderable_pieces(text)
    if pieces is None:
        return plain_text_markdown(text)  # nested too deeply for the browser's renderer
    out = []
    for is_code, segment in pieces:
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
        if c == "[" and nxt == "^":
            # a footnote: its definition would leave the text (an output that is only a definition renders an
            # empty box), so footnotes show as written
            out.append("\\[")
            i += 1
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


# --- nesting the browser's renderer cannot take -------------------------------------------------
#
# st.markdown is drawn by react-markdown (micromark -> mdast -> hast -> React), which recurses once
# per level of nesting. Measured in Debian's Chromium 156 (V8's default stack) with Streamlit 1.67,
# one box per fresh page, the box shows "RangeError: Maximum call stack size exceeded" from about
# (n = levels of nesting; the first n that broke, to within 3 %):
#
#     nested list items        "- " * n + "x", also "1. " * n      n ~ 1000
#     nested blockquotes       "> " * n + "y"                      n ~ 2200
#     both, alternating        "> - " * (n // 2) + "z"             n ~ 1350
#     nested emphasis          "*a " * n + "x" + " b*" * n         n ~ 2250 (also "**a ", "_a ")
#                              "*" * n + "x" + "*" * n             n ~ 4000 stars a side
#     nested strikethrough     "~~a " * n + "x" + " b~~" * n       n ~ 1600: the whole tab crashes
#
# A page whose renderer is already warm (optimised) takes ~30 % more; other browsers, and phones,
# have smaller stacks. Brackets, parentheses, links, footnotes and colour directives do not nest
# there, and KaTeX limits itself (10000 brackets, 2000 braces in $…$ render fine). Real text nests a handful
# of levels, a deep outline a dozen or two. MAX_NESTING keeps a wide margin on both sides: 15 times
# below the shallowest break measured, several times above real text; and it limits an upper bound
# of the nesting (see nesting_depth), which real text stays further below.
MAX_NESTING = 64

# above the text, so the rater knows the Markdown source shows because it could not be displayed
PLAIN_TEXT_NOTE = ":gray[*Shown as plain text: its formatting is nested too deeply to display.*]"

_MARKER = re.compile(r">|[-*+]|\d{1,9}[.)]")
_ESCAPED = re.compile(r"\\[!-/:-@\[-`{-~]")
_DELIMITER_RUN = re.compile(r"\*+|_+|~+")
# whole runs of one delimiter character followed (may open) / preceded (may close) by a non-space
_MAY_OPEN = re.compile(r"(?<!\*)\*++(?=\S)|(?<!_)_++(?=\S)|(?<!~)~++(?=\S)")
_MAY_CLOSE = re.compile(r"(?<=[^\s*])\*++|(?<=[^\s_])_++|(?<=[^\s~])~++")
_BLANK_LINE = re.compile(r"\n(?:[ \t>]*\n)+")
_PUNCT_TO_ESCAPE = re.compile(r"[!-/:-@\[-`{-~]")


def nesting_depth(text: str) -> int:
    """An upper bound of how deeply ``text`` nests once rendered: block containers plus emphasis.

    Cheap (one pass over the lines, one over the emphasis delimiters), and never lower than the
    truth for what real text and degenerate output look like, so that ``> MAX_NESTING`` safely
    means "do not hand this to the renderer". Counting stops soon after ``MAX_NESTING``: any value
    above it only says "too deep".

    >>> nesting_depth("- a\\n  - b\\n    - c")
    3
    >>> nesting_depth("*a **b** c*")  # a strong level counts twice: a bound, not the exact depth
    3
    >>> nesting_depth("- " * 1500 + "x") > MAX_NESTING
    True
    """
    block = _block_depth(text, MAX_NESTING)
    if block > MAX_NESTING:
        return block
    return block + _inline_depth(split_code(text), MAX_NESTING - block)


def _renderable_pieces(text: str) -> list[tuple[bool, str]] | None:
    """``split_code(text)``, or None when ``text`` may nest deeper than ``MAX_NESTING``."""
    block = _block_depth(text, MAX_NESTING)
    if block > MAX_NESTING:
        return None  # before split_code, which would spend as long again on a megabyte of "- - - …"
    pieces = split_code(text)
    if block + _inline_depth(pieces, MAX_NESTING - block) > MAX_NESTING:
        return None
    return pieces


def _block_depth(text: str, limit: int) -> int:
    """Deepest list item / blockquote nesting of any line, as an upper bound.

    A line is as deep as the containers it opens (each needs a marker: ``>``, ``-``, ``1.`` …,
    counted in its prefix) plus the list items it continues. Continuing a list item takes at least
    two columns of indentation, and only items opened by earlier lines can be continued, so a line
    continues at most min(indent / 2, deepest line so far) of them. Indentation alone (deeply
    indented code, say) therefore never raises the bound; only markers do, one level each.
    """
    deepest = 0
    window = 12 * (limit + 1)  # room for more than ``limit`` markers, the longest being "123456789. "
    for line in text.split("\n"):
        prefix = _CONTAINER_PREFIX.match(line, 0, window).group()
        if len(prefix) == window < len(line):
            markers = len(_MARKER.findall(prefix))
            if markers > limit:
                return markers
            prefix = _CONTAINER_PREFIX.match(line).group()  # a long prefix of few markers: measure it all
        elif not prefix:
            continue
        markers = len(_MARKER.findall(prefix))
        indent = prefix.count(" ") + 4 * prefix.count("\t")
        depth = markers + min(indent // 2, deepest)
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                break
    return deepest


def _inline_depth(pieces: list[tuple[bool, str]], limit: int) -> int:
    """Deepest emphasis / strikethrough nesting in any paragraph of the prose, as an upper bound."""
    # code spans and blocks hold no emphasis; "x" keeps their place without opening or closing any
    prose = "".join("x" if is_code else segment for is_code, segment in pieces)
    deepest = 0
    for paragraph in _BLANK_LINE.split(prose):
        if "\\" in paragraph:
            paragraph = _ESCAPED.sub(".", paragraph)  # an escaped character is punctuation, not a delimiter
        # each level needs a delimiter that can open (not followed by a space) and one that can close
        # (not preceded by one); the fewer of the two is a bound, and usually small enough
        bound = min(sum(map(len, _MAY_OPEN.findall(paragraph))), sum(map(len, _MAY_CLOSE.findall(paragraph))))
        if bound > limit:
            bound = _emphasis_depth(paragraph, limit)
        deepest = max(deepest, bound)
        if deepest > limit:
            break
    return deepest


def _emphasis_depth(paragraph: str, limit: int) -> int:
    """An upper bound of the emphasis nesting in one paragraph (CommonMark's delimiter runs).

    ``paragraph`` has its backslash escapes replaced by punctuation that delimits nothing.

    Every level of nesting needs a delimiter that can open before a point and one that can close
    after it. Openers pile up per delimiter character (``*``, ``_``, ``~``) and closers take them
    off; at each run the nesting is at most, per character, the openers still piled up or the
    closers still to come, whichever is fewer (an opener nothing closes nests nothing).
    """
    runs = []
    to_close = {"*": 0, "_": 0, "~": 0}
    n = len(paragraph)
    for m in _DELIMITER_RUN.finditer(paragraph):
        start, end = m.span()
        before = paragraph[start - 1] if start else " "
        after = paragraph[end] if end < n else " "
        left = not after.isspace() and (not _is_punctuation(after) or before.isspace() or _is_punctuation(before))
        right = not before.isspace() and (not _is_punctuation(before) or after.isspace() or _is_punctuation(after))
        char = paragraph[start]
        if char == "_":  # intraword underscores neither open nor close (snake_case)
            can_open = left and (not right or _is_punctuation(before))
            can_close = right and (not left or _is_punctuation(after))
        else:
            can_open, can_close = left, right
        if can_open or can_close:
            runs.append((char, end - start, can_open, can_close))
            if can_close:
                to_close[char] += end - start
    piled = {"*": 0, "_": 0, "~": 0}
    deepest = 0
    for char, length, can_open, can_close in runs:
        if can_close:
            to_close[char] -= length
            closed = min(length, piled[char])
            piled[char] -= closed
            length -= closed
        if can_open:
            piled[char] += length
        depth = sum(min(piled[c], to_close[c]) for c in piled)
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                break
    return deepest


def _is_punctuation(c: str) -> bool:
    return c in _ASCII_PUNCT or (not c.isascii() and unicodedata.category(c)[0] in "PS")


def plain_text_markdown(text: str) -> str:
    """Markdown that shows ``text`` character for character, with no Markdown structure at all.

    Every ASCII punctuation character is backslash-escaped (so nothing opens a list, quote,
    emphasis, link, image, HTML, code or math), leading indentation becomes no-break spaces (so it
    shows, and cannot make code blocks or continue list items), and lines end in hard breaks, so
    the text wraps and keeps its lines. Flat by construction: a note first, then paragraphs.

    >>> print(plain_text_markdown("- - *x*\\n  > y").replace("\\xa0", "~"))
    :gray[*Shown as plain text: its formatting is nested too deeply to display.*]
    <BLANKLINE>
    \\- \\- \\*x\\*\\
    ~~\\> y
    """
    lines = []
    for line in text.replace(":streamlit:", ":streamlit" + WORD_JOINER + ":").split("\n"):
        body = line.lstrip(" \t")
        if not body:
            lines.append("")
            continue
        indent = line[:len(line) - len(body)].replace("\t", "    ").replace(" ", "\u00a0")
        lines.append(indent + _PUNCT_TO_ESCAPE.sub(r"\\\g<0>", body))
    out = []
    for i, line in enumerate(lines):
        continued = line and i + 1 < len(lines) and lines[i + 1]
        out.append(line + "\\" if continued else line)
    return PLAIN_TEXT_NOTE + "\n\n" + "\n".join(out).strip("\n")
