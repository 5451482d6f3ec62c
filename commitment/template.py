"""The commitment document: its Yjs layout and a reader (its words are in ``labels``).

The layout is a contract (docs/contracts.md): any Yjs client may edit a commitment as long as
it uses these root names and types. ``read_commitment`` turns a pycrdt ``Doc`` into plain data
(sections as text and simple HTML, milestones, contacts) for validation, projections and
exports; it only reads, so it is safe to call on a live document.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from pycrdt import Array, Doc, Map, Text, XmlElement, XmlFragment, XmlText

TITLE = "title"
META = "meta"
MILESTONES = "milestones"
CONTACTS = "contacts"
SECTIONS: tuple[str, ...] = (
    "lead_agency", "problem", "commitment", "solution", "ogp_values", "alignment", "additional",
)
ROOT_NAMES = frozenset({TITLE, META, MILESTONES, CONTACTS, *SECTIONS})
"""The roots clients write."""
REVIEW = "review"
"""Comments and suggestions (docs/contracts.md, "Negotiation"): a Y.Map holding the Y.Maps
``comments`` and ``suggestions``, written only by the server, from the log's domain events."""
REVIEW_CLIENT_ID = 0x4B524556
"""The one Yjs client id of every item under ``review``, in every document. Client ids are per
document, and the server writes ``review`` only against the exact state it read (the stream's
expected version), so one id never writes the same clock twice; an update naming an item of
this id (writing with it, building on it, deleting it) is a client touching ``review``."""
SERVER_ROOTS = frozenset({REVIEW})
LAYOUT_ROOTS = ROOT_NAMES | SERVER_ROOTS
MAX_MILESTONES = 5
META_KEYS = ("number", "start_date", "end_date", "lead_agency", "policy_area", "ogp_values")
MILESTONE_KEYS = ("activity", "deliverable", "start", "end", "output", "actors")
CONTACT_KEYS = ("name", "title", "department", "email", "phone", "government", "others")
OGP_VALUES = ("transparency", "participation", "accountability")




@dataclass(frozen=True, slots=True)
class Section:
    text: str  # plain text, one line per block
    html: str  # simple, escaped HTML (p, h1-h6, ul/ol/li, blockquote, strong, em, a, code)


@dataclass(frozen=True, slots=True)
class CommitmentContent:
    title: str
    meta: dict[str, Any]
    sections: dict[str, Section]
    milestones: list[dict[str, Any]]
    contacts: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "meta": self.meta,
            "sections": {k: {"text": s.text, "html": s.html} for k, s in self.sections.items()},
            "milestones": self.milestones,
            "contacts": self.contacts,
        }


def read_commitment(doc: Doc[Any]) -> CommitmentContent:
    """The plain content of a commitment document; absent parts read as empty."""
    roots = set(doc.keys())

    def root(name: str, kind: type[Any]) -> Any:
        return doc.get(name, type=kind) if name in roots else None

    title = root(TITLE, Text)
    meta = root(META, Map)
    milestones = root(MILESTONES, Array)
    contacts = root(CONTACTS, Map)
    sections = {}
    for name in SECTIONS:
        fragment = root(name, XmlFragment)
        sections[name] = _section(fragment) if fragment is not None else Section("", "")
    return CommitmentContent(
        title=str(title) if title is not None else "",
        meta=_plain(meta.to_py()) if meta is not None else {},
        sections=sections,
        milestones=[
            _plain(m) if isinstance(m, dict) else {}
            for m in (milestones.to_py() if milestones is not None else [])
        ],
        contacts=_plain(contacts.to_py()) if contacts is not None else {},
    )


def _plain(value: Any) -> Any:
    """JSON-safe data: Yjs numbers arrive as floats, so whole ones become ints again."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


_BLOCK_TAGS = {
    "paragraph": "p", "blockquote": "blockquote", "bulletList": "ul", "orderedList": "ol",
    "listItem": "li", "codeBlock": "pre",
}
_MARK_TAGS = {"bold": "strong", "italic": "em", "code": "code", "strike": "s", "underline": "u"}


def _section(fragment: XmlFragment) -> Section:
    lines: list[str] = []
    parts: list[str] = []
    for child in fragment.children:
        _render(child, lines, parts)
    return Section("\n".join(line for line in lines if line.strip()), "".join(parts))


def _render(node: Any, lines: list[str], parts: list[str]) -> None:
    if isinstance(node, XmlText):
        text, markup = _inline(node)
        if lines:
            lines[-1] += text
        else:
            lines.append(text)
        parts.append(markup)
        return
    if not isinstance(node, XmlElement):
        return
    tag = node.tag or ""
    if tag == "hardBreak":
        lines.append("")
        parts.append("<br>")
        return
    if tag == "heading":
        level = str(node.attributes.get("level") or 2).split(".")[0]
        html_tag = f"h{level}" if level in {"1", "2", "3", "4", "5", "6"} else "h2"
    else:
        html_tag = _BLOCK_TAGS.get(tag, "div")
    lines.append("")  # every block starts a new line of text
    parts.append(f"<{html_tag}>")
    for child in node.children:
        _render(child, lines, parts)
    parts.append(f"</{html_tag}>")


def _inline(node: XmlText) -> tuple[str, str]:
    plain: list[str] = []
    markup: list[str] = []
    for chunk, attrs in node.diff():
        if not isinstance(chunk, str):
            continue  # an embedded object: no text to show
        plain.append(chunk)
        piece = html.escape(chunk)
        for mark, value in (attrs or {}).items():
            if mark == "link" and isinstance(value, dict) and isinstance(value.get("href"), str):
                href = value["href"]
                if href.startswith(("http://", "https://", "mailto:")):
                    piece = f'<a href="{html.escape(href)}">{piece}</a>'
            elif mark in _MARK_TAGS and value not in (None, False):
                tag = _MARK_TAGS[mark]
                piece = f"<{tag}>{piece}</{tag}>"
        markup.append(piece)
    return "".join(plain), "".join(markup)


SERVER_ONLY = (
    "Bagian \u201creview\u201d (komentar dan saran) hanya ditulis oleh server; gunakan API "
    "komentar dan saran / the \u201creview\u201d part (comments and suggestions) is written by "
    "the server only; use the comments and suggestions API"
)


def check_update_roots(doc_before: Doc[Any] | None, update: bytes) -> str | None:
    """Refuse an update that would create a root outside the layout, or that touches the
    server's ``review`` root; None when acceptable.

    Yjs names a root type in an update only for items attached directly to that root, and
    pycrdt registers those names even when the items themselves must wait for missing
    dependencies, so decoding the update alone into an empty document shows every root it
    names, at a cost proportional to the update rather than to the document.
    ``doc_before`` (the document as it stands, or None) lets roots created before this rule
    existed keep being edited.
    """
    probe: Doc[Any] = Doc()
    try:
        probe.apply_update(update)
    except Exception:
        return "Pembaruan dokumen tidak dapat dibaca / the document update cannot be decoded"
    named = set(probe.keys())
    if named & SERVER_ROOTS:
        # Edits nested inside ``review`` name no root: ``process.negotiation.guard`` walks
        # the update's items for those (this package reads no Yjs bytes itself).
        return SERVER_ONLY
    existing = set(doc_before.keys()) if doc_before is not None else set()
    unknown = sorted(named - ROOT_NAMES - existing)
    if not unknown:
        return None
    names = ", ".join(repr(n) for n in unknown)
    allowed = ", ".join(sorted(ROOT_NAMES))
    return (
        f"Bagian {names} tidak ada dalam templat komitmen / "
        f"{names} is not part of the commitment template (allowed roots: {allowed})"
    )

