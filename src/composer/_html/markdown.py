"""Sanitized HTML to markdown source, for a markdown editor (``paste(..., target="markdown")``).

markdownify does the bulk (headings, emphasis, links, nested and numbered lists, blockquotes);
our converters take over where it fails on the cleaned trees (docs/paste.md):

- tables: GFM needs a header row, so the first row is the header when there is no ``<th>``
  row; a cell holds one line, so its blocks (paragraphs, list items) join with spaces;
- code blocks: the fence is longer than any backtick run inside, the text is kept exactly
  (indentation, blank lines), and ``class="language-x"`` becomes the info string;
- two adjacent lists of one kind: markdown would merge them, so the second changes its
  marker (``-``/``*`` for bullets, ``.``/``)`` for numbers), which starts a new list;
- emphasis markdown would not read back (``**(a)**b``: a delimiter next to punctuation on
  the inside and a letter on the outside) keeps its text without the mark;
- a link with no text left (its image was removed) stays an empty link ``[](href)``;
- text: every character markdown could read as syntax is backslash-escaped, so the
  markdown renders back to the same text.
"""

from __future__ import annotations

import re
from typing import Any

import markdownify

from composer._html.markdown_marks import DELIMITERS, undelimitable

__all__ = ["html_to_markdown"]

_MAX_START = 999_999_999
_EMPTY_ITEM = re.compile(r"[-+*]|\d+[.)]")
_BACKTICKS = re.compile(r"`+")
_LANGUAGE = re.compile(r"(?:^|\s)language-([\w+#.-]+)")
_SPACES = re.compile(r"\s+")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
_NOT_BARE = re.compile(r"[\s()<>\\]")
# what CommonMark reads as an autolink <scheme:...>: no spaces, no < or >
_AUTOLINK = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>\x00-\x1f\x7f]*")
# ASCII punctuation CommonMark lets a backslash escape and that can start or end syntax
_SPECIAL = re.compile(r"([\\`*_\[\]<>#!|~&])")
_LINE_START = re.compile(r"^(\s*)([-+=>]|\d+(?=[.)]))", re.M)
# a line of a block's own text: its start, or after a hard break we wrote (an odd run of
# backslashes before the newline: an even one is escaped backslashes, then a plain newline)
_BLOCK_LINE = re.compile(r"(\A|(?<!\\)(?:\\\\)*\\\n)([ \t]*)([-+=>]|\d{1,9}(?=[.)]))")
_BLOCK_TAGS = frozenset("p div ul ol li pre blockquote table h1 h2 h3 h4 h5 h6 hr".split())


def _destination(url: str) -> str:
    """A link destination as written: bare when it can be, else in ``<...>`` with ``\\``,
    ``<`` and ``>`` escaped (a space, a parenthesis or a backslash would end or change it)."""
    url = _CONTROLS.sub("", url)
    if url and not _NOT_BARE.search(url):
        return url
    return "<" + re.sub(r"([\\<>])", r"\\\1", url) + ">"


def _title(title: str | None) -> str:
    if not title:
        return ""
    return ' "' + re.sub(r'([\\"])', r"\\\1", _CONTROLS.sub(" ", title)) + '"'


def _fence(code: str) -> str:
    """Three backticks, or one more than the longest run of backticks inside ``code``."""
    longest = max((len(run) for run in _BACKTICKS.findall(code)), default=0)
    return "`" * max(3, longest + 1)


def _cell_text(text: str) -> str:
    """One table cell's markdown on one line, a backslash before every ``|``: GFM splits the
    row at unescaped pipes and turns ``\\|`` into ``|`` before reading the cell, in code
    spans and addresses too (text's ``\\|`` becomes ``\\\\|``, read back as ``\\|``)."""
    return _SPACES.sub(" ", text).strip().replace("|", "\\|")


# the stub declares only the public options; the convert_* hooks we override are untyped there
_Base: Any = markdownify.MarkdownConverter


#: classes of the links the mention and hashtag stages make from a word (``@ann``, ``#tag``)
_WORD_LINKS = frozenset({"mention", "hashtag"})
#: classes of what the embed stage builds from a URL alone on its line
_EMBEDS = frozenset({"composer-embed", "composer-photo", "composer-card", "composer-quote"})


class _Converter(_Base):  # type: ignore[misc]
    """markdownify with our tables, fences, list separation, empty links and escaping."""

    def escape(self, text: str, parent_tags: set[str]) -> str:
        if not text:
            return ""
        text = _SPECIAL.sub(r"\\\1", text)
        return _LINE_START.sub(_escape_line_start, text)

    def convert_soup(self, soup: Any) -> str:
        self._undelimitable = undelimitable(soup)
        self._runs: dict[int, int] = {}
        self._items: dict[int, int] = {}
        return str(super().convert_soup(soup))

    def _mark(self, el: Any, text: str, parent_tags: set[str]) -> str:
        if "_noformat" in parent_tags:
            return text
        start, end = _edges(text)
        if start == end:
            return text if "\xa0" in text else ""
        # edge white space and line breaks stay outside the delimiters: "\\\n**" would
        # read as an escaped asterisk
        lead, inner, trail = text[:start], text[start:end], text[end:]
        mark = "" if id(el) in self._undelimitable else DELIMITERS[el.name]
        return f"{lead}{mark}{inner}{mark}{trail}"

    def _plain(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return text  # no markdown for it; markdownify's would strip a no-break space at an edge

    convert_sup = convert_sub = convert_kbd = convert_samp = _plain

    convert_b = convert_strong = convert_i = convert_em = convert_s = convert_del = _mark

    def convert_br(self, el: Any, text: str, parent_tags: set[str]) -> str:
        nxt = el.next_sibling
        while nxt is not None and (
            getattr(nxt, "name", None) == "br"
            or (getattr(nxt, "name", None) is None and not str(nxt).strip())
        ):
            nxt = nxt.next_sibling
        if getattr(nxt, "name", None) in _BLOCK_TAGS:
            return ""  # breaks right before a block show nothing; "a\\" + "\n-" is no list
        return str(super().convert_br(el, text, parent_tags))

    def convert_code(self, el: Any, text: str, parent_tags: set[str]) -> str:
        prev = el.previous_sibling
        if "_noformat" not in parent_tags and getattr(prev, "name", None) == "code" and prev.get_text():
            # right after another code span its backticks would join that one's: it stays text
            return self.escape(text, parent_tags)
        return str(super().convert_code(el, text, parent_tags))

    def convert_pre(self, el: Any, text: str, parent_tags: set[str]) -> str:
        code = el.get_text()
        if code.startswith("\n"):
            code = code[1:]  # the HTML parser drops it too
        code = code.removesuffix("\n")
        if not code.strip():
            return ""
        fence = _fence(code)
        classes = " ".join(el.get("class") or [])
        inner = el.find("code")
        if inner is not None:
            classes += " " + " ".join(inner.get("class") or [])
        language = _LANGUAGE.search(classes)
        info = language.group(1) if language else ""
        return f"\n\n{fence}{info}\n{code}\n{fence}\n\n"

    def convert_a(self, el: Any, text: str, parent_tags: set[str]) -> str:
        href = el.get("href")
        if not href or "_noformat" in parent_tags or _WORD_LINKS.intersection(el.get("class") or ()):
            return text  # (a mention or hashtag stays its text: the stage links it again on submit)
        start, end = _edges(text)
        lead, inner, trail = text[:start], text[start:end], text[end:]
        title = el.get("title")
        if inner.replace("\\", "") == href and not title and _AUTOLINK.fullmatch(href):
            return f"{lead}<{href}>{trail}"
        return f"{lead}[{inner}]({_destination(href)}{_title(title)}){trail}"

    def _embed(self, el: Any, text: str, parent_tags: set[str]) -> str:
        """An embed goes back to the editor as its URL alone on its line, which embeds again
        on submit (its card text or caption would come back as prose or a titled link)."""
        link = el.find("a", href=True) if _EMBEDS.intersection(el.get("class") or ()) else None
        if link is None or "_noformat" in parent_tags:
            return text if el.name != "figure" else f"\n\n{text.strip()}\n\n"
        href = link["href"]
        return f"\n\n<{href}>\n\n" if _AUTOLINK.fullmatch(href) else f"\n\n{_destination(href)}\n\n"

    convert_aside = convert_figure = _embed

    def convert_img(self, el: Any, text: str, parent_tags: set[str]) -> str:
        src = el.get("src") or ""
        alt = self.escape(el.get("alt") or "", parent_tags)
        return f"![{alt}]({_destination(src)}{_title(el.get('title'))})" if src else alt

    def convert_list(self, el: Any, text: str, parent_tags: set[str]) -> str:
        out = str(super().convert_list(el, text, parent_tags))
        first = out.lstrip("\n").split("\n", 1)[0].strip()
        number = re.match(r"\d+", first)
        if "li" in parent_tags and (_EMPTY_ITEM.fullmatch(first) or (number and number.group() != "1")):
            # only a list starting at 1 with text interrupts a paragraph: after an item's
            # text, a blank line (the item becomes loose) keeps "3. x" from reading as its
            # next line
            out = "\n" + out
        if self._list_run(el) % 2:
            # a second marker kind starts a new list where markdown would merge the two
            if el.name == "ol":
                out = re.sub(r"(?m)^(\d+)\.(?= |$)", r"\1)", out)
            else:
                out = re.sub(r"(?m)^([*+-])(?= |$)", lambda m: "+" if m.group(1) != "+" else "*", out)
        return out

    def _list_run(self, el: Any) -> int:
        """How many lists of ``el``'s kind come right before it (odd ones change their
        marker); lists convert in document order, so the one before has its count."""
        prev = el.find_previous_sibling()
        run = self._runs.get(id(prev), 0) + 1 if prev is not None and prev.name == el.name else 0
        self._runs[id(el)] = run
        return run

    convert_ul = convert_list
    convert_ol = convert_list

    def convert_table(self, el: Any, text: str, parent_tags: set[str]) -> str:
        rows = [row for row in el.find_all("tr") if row.find_parent("table") is el]
        if not rows:
            return ""
        lines: list[list[str]] = []
        for row in rows:
            cells = [c for c in row.find_all(["td", "th"]) if c.find_parent("tr") is row]
            line: list[str] = []
            for cell in cells:
                line.append(_cell_text(self.process_tag(cell, parent_tags={"_inline", "td"})))
                span = str(cell.get("colspan") or "1")
                line.extend([""] * (min(int(span), 1000) - 1 if span.isdigit() and int(span) > 1 else 0))
            lines.append(line)
        width = max(len(line) for line in lines)
        lines = [line + [""] * (width - len(line)) for line in lines]
        rendered = ["| " + " | ".join(line) + " |" for line in lines]
        rendered.insert(1, "|" + "|".join([" --- "] * width) + "|")
        return "\n\n" + "\n".join(rendered) + "\n\n"

    def convert_td(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return text + " "

    convert_th = convert_td

    def convert_p(self, el: Any, text: str, parent_tags: set[str]) -> str:
        if "td" in parent_tags:
            return " " + text + " "
        start, end = _edges(text)  # a break at a block's edge shows nothing; "\\" would
        return str(super().convert_p(el, _escape_block_lines(text[start:end]), parent_tags))

    def convert_li(self, el: Any, text: str, parent_tags: set[str]) -> str:
        if "td" in parent_tags:
            return " " + text + " "
        start, end = _edges(text)
        text = text[start:end]
        if not _starts_with_block(el):
            text = _escape_block_lines(text)
        bullet = self._bullet(el.parent)
        if text in ("", "\\"):
            return bullet.rstrip() + "\n"  # an empty item (or only a line break) stays an item
        indent = " " * len(bullet)
        lines = text.split("\n")
        return bullet + "\n".join([lines[0], *(indent + line if line else "" for line in lines[1:])]) + "\n"

    def _bullet(self, parent: Any) -> str:
        """``"- "``, or the item's number in its ``<ol>`` from ``start`` (items convert in
        document order, so a count a list replaces a scan of the siblings before)."""
        if parent is None or parent.name != "ol":
            return "- "
        start = str(parent.get("start") or "1")
        index = self._items.get(id(parent), 0)
        self._items[id(parent)] = index + 1
        # CommonMark reads at most 9 digits: a larger start is written as the largest it reads
        first = min(int(start), _MAX_START) if start.isdigit() else 1
        return f"{min(first + index, _MAX_START)}. "

    def convert_tr(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return text


def _escape_line_start(match: re.Match[str]) -> str:
    lead, mark = match.group(1), match.group(2)
    if mark.isdigit():
        return lead + mark + "\\"  # "1." -> "1\." stays text
    return lead + "\\" + mark


def _edges(text: str) -> tuple[int, int]:
    """Where ``text`` starts and ends without its edge white space and hard line breaks
    (``\\`` then a newline, the backslash not itself escaped)."""
    start, end = 0, len(text)
    while start < end:
        if text[start].isspace():
            start += 1
        elif text.startswith("\\\n", start):
            start += 2
        else:
            break
    while end > start:
        if text[end - 1] == "\n" and _escaping(text, end - 2):
            end -= 2
        elif text[end - 1].isspace():
            end -= 1
        else:
            break
    return start, end


def _escaping(text: str, at: int) -> bool:
    """True when ``text[at]`` is a backslash that escapes the character after it (an odd
    run of backslashes ends there)."""
    run = 0
    while at - run >= 0 and text[at - run] == "\\":
        run += 1
    return run % 2 == 1


def _escape_block_lines(text: str) -> str:
    """Escape what would start a list, a quote or a heading underline at a line start: the
    escaping of one text node misses ``1`` then ``<b>.</b>``."""
    return _BLOCK_LINE.sub(_escape_block_line, text)


def _escape_block_line(match: re.Match[str]) -> str:
    start, lead, mark = match.groups()
    return start + lead + (mark + "\\" if mark.isdigit() else "\\" + mark)


def _starts_with_block(el: Any) -> bool:
    """True when an element's first shown child is a block (a nested list, a paragraph);
    white space and line breaks before it show nothing."""
    for child in el.children:
        name = getattr(child, "name", None)
        if name == "br" or (name is None and not str(child).strip()):
            continue
        return getattr(child, "name", None) in _BLOCK_TAGS
    return False


def html_to_markdown(html: str) -> str:
    """The markdown source for a sanitized HTML fragment (``str`` -> ``str``, never raises on
    HTML the sanitizer let through). Headings are ATX (``#``), emphasis is ``*``/``**``, bullets
    are ``-``; ``""`` for a fragment with no text."""
    converter = _Converter(
        heading_style="atx",
        bullets="-",
        strong_em_symbol="*",
        newline_style="backslash",
        escape_asterisks=False,
        escape_underscores=False,
        escape_misc=False,
    )
    return str(converter.convert(html)).strip("\n")
