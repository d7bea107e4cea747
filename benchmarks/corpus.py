"""A deterministic corpus of realistic forum posts for the throughput benchmarks.

Why generated and not sampled: the budget in design.md is stated for ordinary forum replies
(1-8 KB: paragraphs, links, quotes, lists, now and then a table, emoji, some pasted Office
markup), and a benchmark must be repeatable on any machine without shipping user data. One
``random.Random(seed)`` drives everything, so the same seed always gives the same posts.

``posts(kind, n, seed)`` gives ``n`` posts of 1-8 KB (UTF-8 bytes) in one of three formats:

- ``"html"``: what a forum's rich editor submits: paragraphs with inline links, emphasis and
  code, a few bare URLs in the text of about 35 % of posts, quotes with a cite line, lists, a
  table now and then, ``pre`` blocks, emoji in about 30 % of posts (skin tones, ZWJ sequences,
  flags), a URL alone on its line now and then, and about 10 % "pasted Office" posts (Word
  ``mso-`` markup or Google Docs spans);
- ``"markdown"``: the same shapes written in markdown (GFM tables, fenced code);
- ``"text"``: plain text with blank-line paragraphs, ``-`` lists, ``>`` quotes and bare URLs.

``posts_5kb(kind, n, seed)`` gives posts of 5 KB ± 5 %, the size the budget is stated for.
"""

from __future__ import annotations

import html
import random
from typing import Literal

Kind = Literal["html", "markdown", "text"]
KINDS: tuple[Kind, ...] = ("html", "markdown", "text")

KB = 1024
SIZE_RANGE = (1 * KB, 8 * KB)
SIZE_5KB = (5 * KB - 256, 5 * KB + 256)

EMOJI_SHARE = 0.30
OFFICE_SHARE = 0.10
BARE_URL_SHARE = 0.35
"""Posts with a few bare URLs typed into the text (rich editors link most URLs as you type)."""

# Prose in the tone of the seed thread (../shared/seed/forum-thread.txt); a few sentences are
# taken from it, the rest written for this corpus.
SENTENCES = (
    "At first, I hated it.",
    "My therapist didn't say much in the beginning, and I perceived her as distant and cold.",
    "We got more comfortable with each other, though I still spent a lot of time staring at her carpet.",
    "The approach was totally foreign to me.",
    "Sometimes I thought she went overboard interpreting symbols, but most of the time it made sense.",
    "As the therapeutic relationship stabilized and strengthened, I began to let go of old behaviors.",
    "For the first time in years of treatment, I was getting better.",
    "Your story is an amazing testament to the power of relationship.",
    "How did you find this program, if you don't mind me asking?",
    "I likewise see a psychodynamic therapist and struggle somewhat with the long silences.",
    "There are no prompts on his part, so I use the silence as a cue to keep talking.",
    "I just never feel completely comfortable, even after a year of weekly sessions.",
    "Some people would say that if you now have a conscious awareness of it, therapy is helping.",
    "I kind of doubt that your ability to feel safe is completely damaged.",
    "Thank you for sharing this, it took courage to write it all down.",
    "I had a very similar experience with my first counselor, and it took months to trust her.",
    "It might help to bring exactly this feeling up in your next session.",
    "My insurance only covered twelve sessions, which is barely enough to get started.",
    "The waiting list here is about four months, so I am on two lists at once.",
    "I keep a journal between appointments and read the important bits out loud.",
    "Group therapy felt awkward at first, but the others became a real support.",
    "Has anyone tried combining talk therapy with medication changes at the same time?",
    "My psychiatrist suggested we change one thing at a time so we can tell what helps.",
    "I wrote down three questions before each session so the hour did not slip away.",
    "It is okay to ask your therapist why they are quiet; mine explained her reasons.",
    "Some weeks are better than others, and that is part of the process.",
    "I found the book recommendations in the pinned thread really useful.",
    "Please take care of yourself this week, the holidays are hard for a lot of us.",
    "Breaks between therapists are normal, and switching is not a failure.",
    "I would not have believed a year ago that I could write this post.",
    "When I call up to report side effects, I'm terrified of displeasing him.",
    "The intake interview was long, but nobody rushed me.",
    "Mindfulness exercises never worked for me, but walking after sessions does.",
    "I printed the worksheet and filled it in on the bus home.",
    "The hardest part was admitting that I needed more than medication.",
    "She was very astute at figuring out what I needed and wanted.",
    "We talked a lot about creating a holding environment, and it finally clicked.",
    "If I started to fall, there were people who would catch me.",
    "I'm not sure if she changed or my perception of her changed.",
    "I would ask the clinic whether they offer a sliding scale fee.",
)
SHORT = (
    "Thanks again.",
    "Same here.",
    "Hugs to you.",
    "That helps a lot.",
    "Good luck!",
    "Hang in there.",
    "Well said.",
    "I agree.",
)
NAMES = ("Amelia R.", "jkw", "Quiet_Lake", "Tomasz", "marguerite", "Dev P.", "SunnyDays", "Noor", "old_oak")
LINK_TEXT = ("this article", "the program page", "a summary", "the NHS page", "here", "the pinned thread")
URLS = (
    "https://en.wikipedia.org/wiki/Psychodynamic_psychotherapy",
    "https://www.nhs.uk/mental-health/talking-therapies-medicine-treatments/talking-therapies-and-counselling/",
    "https://www.nimh.nih.gov/health/topics/psychotherapies",
    "https://forum.example.org/topic/4312-psychodynamic-therapy-my-experience/?do=findComment&comment=88121",
    "https://www.apa.org/topics/psychotherapy/understanding",
    "http://www.mind.org.uk/information-support/drugs-and-treatments/talking-therapy-and-counselling/",
    "https://pubmed.ncbi.nlm.nih.gov/20099950/",
    "https://www.psychologytoday.com/us/basics/psychodynamic-therapy",
    "www.samaritans.org",
    "https://example.com/resources?lang=en&section=faq#waiting-lists",
)
EMBED_URLS = (
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "https://youtu.be/kJQP7kiw5Fk?t=42",
    "https://vimeo.com/76979871",
    "https://open.spotify.com/episode/4rOoJ6Egrf8K2IrywzwOMk",
    "https://www.ted.com/talks/brene_brown_the_power_of_vulnerability",
)
EMOJI = (
    "🙂", "😊", "😂", "🙏", "💪", "❤️", "✨", "🤗", "😢", "🌱",
    "👍🏽", "👋🏿", "🙏🏼", "🫶🏻", "💪🏾",  # skin tones
    "🤷‍♀️", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🧑‍⚕️", "❤️‍🩹",  # ZWJ sequences
    "🇩🇪", "🇺🇸", "🇯🇵", "🇧🇷",  # flags
)  # fmt: skip
SHORTCODES = (":smile:", ":thumbsup:", ":heart:", ":pray:")
CODE_LINES = (
    "Mon  08:00  sertraline 50 mg",
    "Tue  --     therapy 16:00",
    "Wed  08:00  sertraline 50 mg",
    "mood: 6/10  sleep: 7h  walk: yes",
    "mood: 4/10  sleep: 5h  walk: no",
    "goal = 'one honest sentence per session'",
)
TABLE_HEAD = (("Week", "Sessions", "Mood", "Notes"), ("Month", "Therapist", "Cost", "Covered"))
LANGS = ("text", "python", "yaml")


class _Writer:
    """Builds one post of one kind; the base class is HTML, subclasses override the syntax."""

    def __init__(self, rng: random.Random, emoji: bool) -> None:
        self.rng = rng
        self.emoji = emoji
        self.bare_urls = rng.random() < BARE_URL_SHARE
        # rarer blocks appear at most once a post: "a table now and then"
        self.once = {
            name for name, share in (("table", 0.15), ("pre", 0.15), ("embed", 0.15)) if rng.random() < share
        }

    def rare(self, name: str) -> bool:
        """Whether this post still has its one ``name`` block to place."""
        if name in self.once:
            self.once.discard(name)
            return True
        return False

    # -- words ---------------------------------------------------------------------------

    def sentence(self) -> str:
        rng = self.rng
        text = rng.choice(SENTENCES)
        if self.emoji and rng.random() < 0.25:
            text += " " + "".join(rng.choice(EMOJI) for _ in range(rng.choice((1, 1, 1, 2, 3))))
        return text

    def escape(self, text: str) -> str:
        return html.escape(text, quote=False)

    def inline(self, text: str) -> str:
        """Decorate a sentence: emphasis, code, an inline link, maybe a bare URL after it."""
        rng = self.rng
        words = text.split(" ")
        roll = rng.random()
        if len(words) > 5 and roll < 0.45:
            start = rng.randrange(0, len(words) - 3)
            end = start + rng.randint(1, 3)
            span = " ".join(words[start:end])
            if roll < 0.15:
                wrapped = self.link(rng.choice(URLS), span)
            elif roll < 0.30:
                wrapped = self.strong(self.escape(span))
            elif roll < 0.40:
                wrapped = self.em(self.escape(span))
            else:
                wrapped = self.code(span)
            out = " ".join(
                [self.escape(" ".join(words[:start])), wrapped, self.escape(" ".join(words[end:]))]
            )
        else:
            out = self.escape(text)
        if self.bare_urls and rng.random() < 0.05:
            out += f" There is a good overview at {self.escape(rng.choice(URLS))} if anyone wants it."
        return out.strip()

    def strong(self, text: str) -> str:
        return f"<strong>{text}</strong>" if self.rng.random() < 0.7 else f"<b>{text}</b>"

    def em(self, text: str) -> str:
        return f"<em>{text}</em>" if self.rng.random() < 0.7 else f"<i>{text}</i>"

    def code(self, text: str) -> str:
        return f"<code>{self.escape(text)}</code>"

    def link(self, url: str, text: str) -> str:
        href = url if "://" in url else "https://" + url
        return f'<a href="{html.escape(href)}">{self.escape(text)}</a>'

    # -- blocks --------------------------------------------------------------------------

    def paragraph(self, sentences: int) -> str:
        body = " ".join(self.inline(self.sentence()) for _ in range(sentences))
        if sentences > 2 and self.rng.random() < 0.15:
            body = body.replace(". ", ".<br>\n", 1)
        return f"<p>{body}</p>"

    def quote(self) -> str:
        name = self.escape(self.rng.choice(NAMES))
        inner = self.paragraph(self.rng.randint(1, 3))
        if self.rng.random() < 0.5:
            return (
                f'<blockquote class="ipsQuote" data-ipsquote="" data-ipsquote-username="{name}">'
                f'<div class="ipsQuote_citation">{name} said:</div>'
                f'<div class="ipsQuote_contents">{inner}</div></blockquote>'
            )
        return f"<blockquote><p><cite>{name}</cite> wrote:</p>{inner}</blockquote>"

    def items(self) -> list[str]:
        return [self.inline(self.sentence()) for _ in range(self.rng.randint(2, 6))]

    def listing(self) -> str:
        tag = "ol" if self.rng.random() < 0.35 else "ul"
        return f"<{tag}>" + "".join(f"<li>{item}</li>" for item in self.items()) + f"</{tag}>"

    def table_rows(self) -> tuple[tuple[str, ...], list[list[str]]]:
        rng = self.rng
        head = rng.choice(TABLE_HEAD)
        rows = [
            [str(i + 1), str(rng.randint(1, 4)), f"{rng.randint(2, 9)}/10", rng.choice(SHORT)]
            for i in range(rng.randint(2, 5))
        ]
        return head, rows

    def table(self) -> str:
        head, rows = self.table_rows()
        th = "".join(f"<th>{h}</th>" for h in head)
        body = "".join("<tr>" + "".join(f"<td>{self.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
        return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"

    def pre(self) -> str:
        lines = "\n".join(self.rng.choice(CODE_LINES) for _ in range(self.rng.randint(2, 5)))
        lang = self.rng.choice(LANGS)
        return f'<pre><code class="language-{lang}">{self.escape(lines)}</code></pre>'

    def embed_line(self) -> str:
        return f"<p>{self.escape(self.rng.choice(EMBED_URLS))}</p>"

    def short(self) -> str:
        return self.paragraph(1)

    def filler(self) -> str:
        """The smallest block: used to land a post inside its size range."""
        return f"<p>{self.escape(self.rng.choice(SHORT))}</p>"

    def block(self) -> str:
        roll = self.rng.random()
        if roll < 0.55:
            return self.paragraph(self.rng.randint(1, 5))
        if roll < 0.70:
            return self.quote()
        if roll < 0.85:
            return self.listing()
        if roll < 0.90 and self.rare("table"):
            return self.table()
        if 0.90 <= roll < 0.95 and self.rare("pre"):
            return self.pre()
        if roll >= 0.95 and self.rare("embed"):
            return self.embed_line()
        return self.paragraph(self.rng.randint(1, 5))

    separator = "\n"

    def wrap(self, blocks: list[str]) -> str:
        return self.separator.join(blocks)

    overhead = 0
    """Bytes :meth:`wrap` adds beyond the separators."""


class _Word(_Writer):
    """Microsoft Word on the clipboard: MsoNormal paragraphs, mso- styles, o:p, conditional comments."""

    SPAN = (
        '<span lang="EN-US" style="font-size:11.0pt;font-family:&quot;Calibri&quot;,sans-serif;'
        "mso-ascii-theme-font:minor-latin;mso-fareast-font-family:&quot;Times New Roman&quot;;"
        'mso-hansi-theme-font:minor-latin;mso-bidi-font-family:&quot;Times New Roman&quot;">'
    )
    HEAD = (
        "<!--[if gte mso 9]><xml><o:OfficeDocumentSettings><o:AllowPNG/></o:OfficeDocumentSettings>"
        "</xml><![endif]--><!--StartFragment-->"
    )
    TAIL = "<!--EndFragment-->"
    overhead = len(HEAD) + len(TAIL)

    def strong(self, text: str) -> str:
        return f'<b style="mso-bidi-font-weight:normal">{text}</b>'

    def em(self, text: str) -> str:
        return f'<i style="mso-bidi-font-style:normal">{text}</i>'

    def code(self, text: str) -> str:
        return f'<span style="font-family:&quot;Courier New&quot;;mso-bidi-font-family:Calibri">{text}</span>'

    def paragraph(self, sentences: int) -> str:
        body = " ".join(self.inline(self.sentence()) for _ in range(sentences))
        return (
            '<p class="MsoNormal" style="margin-bottom:0cm;line-height:normal;mso-pagination:none">'
            f"{self.SPAN}{body}</span><o:p></o:p></p>"
        )

    def listing(self) -> str:
        items = self.items()
        out = []
        for i, item in enumerate(items):
            part = "First" if i == 0 else "Last" if i == len(items) - 1 else "Middle"
            out.append(
                f'<p class="MsoListParagraphCxSp{part}" style="text-indent:-18.0pt;mso-list:l0 level1 lfo1">'
                '<![if !supportLists]><span style="font-family:Symbol;mso-fareast-font-family:Symbol">·'
                '<span style="font:7.0pt &quot;Times New Roman&quot;">&nbsp;&nbsp;&nbsp;&nbsp; </span></span>'
                f"<![endif]>{self.SPAN}{item}</span><o:p></o:p></p>"
            )
        return "\n".join(out)

    def filler(self) -> str:
        return f'<p class="MsoNormal">{self.escape(self.rng.choice(SHORT))}<o:p></o:p></p>'

    def block(self) -> str:
        roll = self.rng.random()
        if roll < 0.75:
            return self.paragraph(self.rng.randint(1, 5))
        if roll < 0.92 or not self.rare("table"):
            return self.listing()
        return self.table()

    def wrap(self, blocks: list[str]) -> str:
        return self.HEAD + self.separator.join(blocks) + self.TAIL


class _GoogleDocs(_Writer):
    """Google Docs on the clipboard: one bold wrapper with a guid, styled spans everywhere."""

    STYLE = (
        "font-size:11pt;font-family:Arial,sans-serif;color:#000000;background-color:transparent;"
        "font-variant:normal;text-decoration:none;vertical-align:baseline;white-space:pre;white-space:pre-wrap;"
    )
    separator = "<br>"
    overhead = 120

    def _span(self, text: str, extra: str = "font-weight:400;font-style:normal;") -> str:
        return f'<span style="{self.STYLE}{extra}">{text}</span>'

    def strong(self, text: str) -> str:
        return self._span(text, "font-weight:700;font-style:normal;")

    def em(self, text: str) -> str:
        return self._span(text, "font-weight:400;font-style:italic;")

    def code(self, text: str) -> str:
        return self._span(self.escape(text), "font-family:'Courier New',monospace;font-weight:400;")

    def paragraph(self, sentences: int) -> str:
        body = " ".join(self.inline(self.sentence()) for _ in range(sentences))
        return (
            f'<p dir="ltr" style="line-height:1.38;margin-top:0pt;margin-bottom:0pt;">{self._span(body)}</p>'
        )

    def listing(self) -> str:
        tag = "ol" if self.rng.random() < 0.35 else "ul"
        lis = "".join(
            '<li dir="ltr" style="list-style-type:disc;font-size:11pt;font-family:Arial,sans-serif;"'
            ' aria-level="1"><p dir="ltr" style="line-height:1.38;margin-top:0pt;margin-bottom:0pt;"'
            f' role="presentation">{self._span(item)}</p></li>'
            for item in self.items()
        )
        return f'<{tag} style="margin-top:0;margin-bottom:0;padding-inline-start:48px;">{lis}</{tag}>'

    def block(self) -> str:
        roll = self.rng.random()
        if roll < 0.8:
            return self.paragraph(self.rng.randint(1, 5))
        if roll < 0.95 or not self.rare("table"):
            return self.listing()
        return self.table()

    def wrap(self, blocks: list[str]) -> str:
        bits = self.rng.getrandbits
        guid = f"{bits(32):08x}-7fff-{bits(16):04x}-{bits(16):04x}-{bits(48):012x}"
        return (
            f'<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-{guid}">'
            + self.separator.join(blocks)
            + "</b>"
        )


class _Markdown(_Writer):
    """The same post shapes in markdown, as a markdown editor submits them."""

    separator = "\n\n"

    def escape(self, text: str) -> str:
        return text

    def strong(self, text: str) -> str:
        return f"**{text}**"

    def em(self, text: str) -> str:
        return f"*{text}*" if self.rng.random() < 0.7 else f"_{text}_"

    def code(self, text: str) -> str:
        return f"`{text}`"

    def link(self, url: str, text: str) -> str:
        href = url if "://" in url else "https://" + url
        return f"[{text}]({href})"

    def sentence(self) -> str:
        text = super().sentence()
        if self.emoji and self.rng.random() < 0.05:
            text += " " + self.rng.choice(SHORTCODES)
        return text

    def paragraph(self, sentences: int) -> str:
        body = " ".join(self.inline(self.sentence()) for _ in range(sentences))
        if sentences > 2 and self.rng.random() < 0.15:
            body = body.replace(". ", ".\n", 1)
        return body

    def quote(self) -> str:
        name = self.rng.choice(NAMES)
        inner = self.paragraph(self.rng.randint(1, 3))
        return f"> **{name} said:**\n>\n> " + inner.replace("\n", "\n> ")

    def listing(self) -> str:
        ordered = self.rng.random() < 0.35
        return "\n".join(
            f"{i + 1}. {item}" if ordered else f"- {item}" for i, item in enumerate(self.items())
        )

    def table(self) -> str:
        head, rows = self.table_rows()
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)

    def pre(self) -> str:
        lines = "\n".join(self.rng.choice(CODE_LINES) for _ in range(self.rng.randint(2, 5)))
        return f"```{self.rng.choice(LANGS)}\n{lines}\n```"

    def embed_line(self) -> str:
        return self.rng.choice(EMBED_URLS)

    def filler(self) -> str:
        return self.rng.choice(SHORT)


class _Text(_Markdown):
    """Plain text: what a person types into a bare textarea."""

    def strong(self, text: str) -> str:
        return text.upper() if self.rng.random() < 0.3 else text

    def em(self, text: str) -> str:
        return text

    def code(self, text: str) -> str:
        return f'"{text}"'

    def link(self, url: str, text: str) -> str:
        return f"{text} ({url})"

    def quote(self) -> str:
        name = self.rng.choice(NAMES)
        return f"{name} wrote:\n> " + self.paragraph(self.rng.randint(1, 2)).replace("\n", "\n> ")

    def table(self) -> str:
        head, rows = self.table_rows()
        return "\n".join("  ".join(cells) for cells in [head, *rows])

    def pre(self) -> str:
        return "\n".join(self.rng.choice(CODE_LINES) for _ in range(self.rng.randint(2, 5)))


def _writer(kind: Kind, rng: random.Random) -> _Writer:
    emoji = rng.random() < EMOJI_SHARE
    if kind == "markdown":
        return _Markdown(rng, emoji)
    if kind == "text":
        return _Text(rng, emoji)
    if kind != "html":
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if rng.random() < OFFICE_SHARE:
        office: type[_Writer] = _Word if rng.random() < 0.6 else _GoogleDocs
        return office(rng, emoji)
    return _Writer(rng, emoji)


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _post(kind: Kind, rng: random.Random, low: int, high: int) -> str:
    writer = _writer(kind, rng)
    target = rng.randint(low, high)
    sep = _size(writer.separator)
    blocks: list[str] = []
    size = writer.overhead - sep
    while size < target:
        for make in (*[writer.block] * 4, writer.short, writer.filler):
            block = make()
            if size + sep + _size(block) <= high:
                break
        else:
            break  # nothing small enough fits: the post is as close to the target as it gets
        blocks.append(block)
        size += sep + _size(block)
    post = writer.wrap(blocks)
    if not low <= _size(post) <= high:  # pragma: no cover - the fillers are far smaller than any range
        raise AssertionError(f"post of {_size(post)} bytes outside {low}-{high}")
    return post


def posts(kind: Kind, n: int, seed: int = 0, size: tuple[int, int] = SIZE_RANGE) -> list[str]:
    """``n`` posts of ``kind``, each ``size[0]``-``size[1]`` UTF-8 bytes; same seed, same posts."""
    low, high = size
    if not 0 < low <= high - 256:
        raise ValueError(f"size range {size} is too narrow (at least 256 bytes wide)")
    rng = random.Random(f"{kind}:{seed}")
    return [_post(kind, rng, low, high) for _ in range(n)]


def posts_5kb(kind: Kind, n: int, seed: int = 0) -> list[str]:
    """``n`` posts of 5 KB ± 5 %: the size the design's performance budget is stated for."""
    return posts(kind, n, seed, SIZE_5KB)


if __name__ == "__main__":  # print one sample of each kind
    for sample_kind in KINDS:
        print(f"===== {sample_kind} =====")
        print(posts(sample_kind, 1, seed=1)[0])
