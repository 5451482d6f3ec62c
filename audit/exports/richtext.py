"""The simple HTML of a section (``commitment.template.Section.html``) as blocks of styled runs,
which the DOCX and PDF writers lay out each in their own way."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

INLINE = {"strong": "bold", "em": "italic", "code": "code", "s": "strike", "u": "underline"}
BLOCKS = {"p", "div", "pre", "h1", "h2", "h3", "h4", "h5", "h6"}


@dataclass(frozen=True, slots=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    strike: bool = False
    underline: bool = False
    href: str | None = None


@dataclass(slots=True)
class Block:
    kind: str  # "p", "heading", "bullet", "number", "quote", "code"
    level: int = 0  # heading level, or list depth (1 = top level)
    number: int = 0  # the item's number in an ordered list
    runs: list[Run] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._current: Block | None = None
        self._marks: dict[str, int] = dict.fromkeys(INLINE.values(), 0)
        self._href: list[str | None] = []
        self._lists: list[list[int]] = []  # per open list: [is ordered, items so far]
        self._item_pending = False
        self._quote = 0

    def _open_block(self, kind: str, level: int = 0) -> Block:
        number = 0
        if self._item_pending and self._lists:
            ordered, count = self._lists[-1]
            self._lists[-1][1] = number = count + 1
            kind = "number" if ordered else "bullet"
            level = len(self._lists)
            self._item_pending = False
        elif kind == "p" and self._quote:
            kind = "quote"
        block = Block(kind, level, number)
        self.blocks.append(block)
        self._current = block
        return block

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("ul", "ol"):
            self._lists.append([1 if tag == "ol" else 0, 0])
        elif tag == "li":
            self._item_pending, self._current = True, None
        elif tag == "blockquote":
            self._quote += 1
        elif tag in BLOCKS:
            if tag.startswith("h"):
                self._open_block("heading", int(tag[1]))
            else:
                self._open_block("code" if tag == "pre" else "p")
        elif tag in INLINE:
            self._marks[INLINE[tag]] += 1
        elif tag == "a":
            self._href.append(dict(attrs).get("href"))
        elif tag == "br":
            self._text("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("ul", "ol") and self._lists:
            self._lists.pop()
        elif tag == "blockquote":
            self._quote = max(0, self._quote - 1)
        elif tag in BLOCKS or tag == "li":
            self._current = None
        elif tag in INLINE:
            self._marks[INLINE[tag]] = max(0, self._marks[INLINE[tag]] - 1)
        elif tag == "a" and self._href:
            self._href.pop()

    def handle_data(self, data: str) -> None:
        self._text(data)

    def _text(self, text: str) -> None:
        if not text:
            return
        block = self._current or self._open_block("p")
        marks = {name: count > 0 for name, count in self._marks.items()}
        href = next((h for h in reversed(self._href) if h), None)
        block.runs.append(Run(text, href=href, **marks))


def parse(html: str) -> list[Block]:
    """Blocks with their runs; blocks without any text are dropped."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return [block for block in parser.blocks if block.text.strip()]
