"""The negotiation commands: comment, reply, edit, resolve, reopen; suggest, accept, reject.

Each command checks who is asking (the registry's actor, never the body) against the
permission table, then appends one domain event to ``review:{document_id}`` under its author,
tagged with the plan's stage and the author's open session, guarded by the streams the
permission rests on (a stage advance or deactivation logged meanwhile refuses it), and only
then rewrites the entry of the ``review`` root through the document writer, so editors see it.
An acceptance first applies the replacement as a ``crdt.update`` of its own (a fresh Yjs
client id) and records that id and its clock range in ``suggestion.decided``, for blame.

Why this is one long module: the eight commands share one sequence (resolve the caller and the
document, check, append under the document's lock, mirror into ``review``) and its helpers;
anchors, the fold and the Yjs writes are apart (``anchors``, ``review``, ``writer``).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pycrdt
from pycrdt import Doc

import ycodec
from commitment.template import REVIEW_CLIENT_ID
from events.catalog import CRDT_UPDATE
from events.errors import ConcurrencyError, EventStoreError, GuardFailed, InvalidEventError
from events.record import Actor, Context, NewEvent
from events.store import EventStore

from .. import domain as d
from .. import permissions
from ..errors import Conflict, Forbidden, Invalid, NotFound, Unavailable
from ..records import Commitment
from ..service import ProcessService, new_id
from ..state import ProcessState
from . import anchors as a
from . import locating as loc
from .review import Comment, Review, Suggestion, comment_entry, mentions, suggestion_entry
from .writer import COMMENTS, SUGGESTIONS, DocumentWriter, LogWriter, review_update

log = logging.getLogger(__name__)

MAX_BODY = 10_000


class Stale(Conflict):
    code = "stale_suggestion"


@dataclass(frozen=True, slots=True)
class Caller:
    actor: Actor
    state: ProcessState
    commitment: Commitment
    document_id: str
    context: Context


def _text(value: str, name: str, code: str = "invalid") -> str:
    if not value.strip():
        raise Invalid(f"{name} tidak boleh kosong / {name} must not be empty", code=code)
    if len(value) > MAX_BODY:
        raise Invalid(f"{name}: at most {MAX_BODY} characters")
    return value.strip()


def new_client_id() -> int:
    # Browsers (Yjs) pick uint32 client ids; never the review root's own.
    while True:
        client = secrets.randbits(32)
        if client not in (0, REVIEW_CLIENT_ID):
            return client


class NegotiationService:
    def __init__(self, process: ProcessService, writer: DocumentWriter | None = None) -> None:
        self.process = process
        self.writer: DocumentWriter = writer or LogWriter(process.runtime)
        self._reviews: dict[str, Review] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    @property
    def store(self) -> EventStore:
        return self.process.runtime.store

    # -- reading -----------------------------------------------------------------------------

    async def caller(self, actor: Actor | None, document_id: str,
                     allowed: Callable[[ProcessState, Actor | None, Commitment],
                                       permissions.Decision] | None = None) -> Caller:
        who = self.process._signed_in(await self.process.resolve(actor))
        state = await self.process.state()
        commitment_id = state.documents.get(document_id)
        if commitment_id is None:
            raise NotFound(f"no commitment has the document {document_id!r}")
        commitment = state.commitments[commitment_id]
        read = permissions.can_read(state, who, commitment)
        if not read.allowed:
            raise Forbidden(read.reason, code="not_allowed")
        if allowed is not None:
            decision = allowed(state, who, commitment)
            if not decision.allowed:
                if decision.stage_conflict:
                    raise Conflict(decision.reason, code="wrong_stage")
                raise Forbidden(decision.reason, code="not_allowed")
        plan = state.plans[commitment.plan_id]
        return Caller(who, state, commitment, document_id,
                      self.process._context(state, plan, who))

    async def review(self, document_id: str) -> Review:
        """The negotiation as the log has it now (read-your-writes: the tail is read)."""
        review = self._reviews.get(document_id) or Review()
        try:
            for event in await self.store.read_stream(d.review_stream(document_id),
                                                      after_version=review.version):
                review.apply(event)
        except EventStoreError as error:
            raise Unavailable(f"the event log cannot be read right now: {error}") from error
        self._reviews[document_id] = review
        return review

    async def may(self, actor: Actor | None, document_id: str) -> dict[str, bool]:
        caller = await self.caller(actor, document_id)
        state, who, commitment = caller.state, caller.actor, caller.commitment
        return {"comment": permissions.can_comment(state, who, commitment).allowed,
                "suggest": permissions.can_suggest(state, who, commitment).allowed,
                "decide": permissions.can_decide(state, who, commitment).allowed}

    async def comments(self, actor: Actor | None, document_id: str) -> list[dict[str, Any]]:
        await self.caller(actor, document_id)
        review = await self.review(document_id)
        doc = await self.process.runtime.document(document_id)
        resolver = loc.Resolver(doc)  # one scratch copy for every anchor listed
        return [c.as_json(_on_deleted_text(doc, c, resolver)) for c in review.comments.values()]

    async def suggestions(self, actor: Actor | None, document_id: str) -> list[dict[str, Any]]:
        await self.caller(actor, document_id)
        review = await self.review(document_id)
        doc = await self.process.runtime.document(document_id)
        resolver = loc.Resolver(doc)
        return [s.as_json(_stale(doc, s, resolver)) for s in review.suggestions.values()]

    # -- comments ----------------------------------------------------------------------------

    async def comment(self, actor: Actor | None, document_id: str, section: str, body: str,
                      quote: str | None = None, anchor: dict[str, str] | None = None) -> str:
        caller = await self.caller(actor, document_id, permissions.can_comment)
        body = _text(body, "body")
        a.check_section(section)
        doc = await self.process.runtime.document(document_id)
        start, end, quote = _anchor(doc, section, quote, anchor, allow_empty=False)
        comment_id = new_id()
        await self._record(caller, d.COMMENT_CREATED, {
            "comment_id": comment_id, "commitment_id": caller.commitment.id,
            "document_id": document_id, "section": section, "quote": quote, "body": body,
            "mentions": mentions(body), "start": start, "end": end,
        }, comment=comment_id)
        return comment_id

    async def reply(self, actor: Actor | None, document_id: str, comment_id: str,
                    body: str) -> str:
        caller = await self.caller(actor, document_id, permissions.can_comment)
        body = _text(body, "body")
        self._comment(await self.review(document_id), comment_id)
        reply_id = new_id()
        await self._record(caller, d.COMMENT_REPLIED, {
            "comment_id": comment_id, "reply_id": reply_id, "body": body,
            "mentions": mentions(body)}, comment=comment_id)
        return reply_id

    async def edit(self, actor: Actor | None, document_id: str, comment_id: str, body: str,
                   reply_id: str | None = None) -> None:
        caller = await self.caller(actor, document_id, permissions.can_comment)
        body = _text(body, "body")
        comment = self._comment(await self.review(document_id), comment_id)
        author = comment.author
        if reply_id is not None:
            reply = next((r for r in comment.replies if r.id == reply_id), None)
            if reply is None:
                raise NotFound(f"no reply {reply_id!r} on comment {comment_id!r}")
            author = reply.author
        if author.person_id != caller.actor.person_id:
            raise Forbidden("Hanya penulisnya yang menyunting komentar / only its author edits "
                            "a comment", code="not_allowed")
        await self._record(caller, d.COMMENT_EDITED, {
            "comment_id": comment_id, "reply_id": reply_id, "body": body,
            "mentions": mentions(body)}, comment=comment_id)

    async def set_status(self, actor: Actor | None, document_id: str, comment_id: str,
                         status: str) -> None:
        caller = await self.caller(actor, document_id, permissions.can_comment)
        comment = self._comment(await self.review(document_id), comment_id)
        if status not in ("resolved", "open"):
            raise Invalid("status must be resolved or open")
        if comment.status == status:
            raise Conflict(f"the comment is {status} already", code="already_" + status)
        kind = d.COMMENT_RESOLVED if status == "resolved" else d.COMMENT_REOPENED
        await self._record(caller, kind, {"comment_id": comment_id}, comment=comment_id)

    # -- suggestions -------------------------------------------------------------------------

    async def suggest(self, actor: Actor | None, document_id: str, section: str, quote: str,
                      replacement: str, reason: str = "",
                      anchor: dict[str, str] | None = None) -> str:
        caller = await self.caller(actor, document_id, permissions.can_suggest)
        if section == a.WHOLE:
            raise a.UnknownSection("a suggestion changes text: name its section, not *")
        a.check_section(section)
        if len(replacement) > MAX_BODY or len(reason) > MAX_BODY:
            raise Invalid(f"replacement and reason: at most {MAX_BODY} characters")
        doc = await self.process.runtime.document(document_id)
        start, end, quote = _anchor(doc, section, quote, anchor, allow_empty=True)
        if start is None:
            raise a.QuoteNotFound(
                "Saran memerlukan teks yang dapat disunting bersama (Y.Text) / a suggestion needs "
                "a shared text to change; this field is a plain value")
        if quote == replacement:
            raise Invalid("the replacement is the same as the quote", code="no_change")
        suggestion_id = new_id()
        await self._record(caller, d.SUGGESTION_CREATED, {
            "suggestion_id": suggestion_id, "commitment_id": caller.commitment.id,
            "document_id": document_id, "section": section, "quote": quote,
            "replacement": replacement, "reason": reason.strip(), "start": start, "end": end,
        }, suggestion=suggestion_id)
        return suggestion_id

    async def decide(self, actor: Actor | None, document_id: str, suggestion_id: str,
                     decision: str, reason: str = "") -> dict[str, Any]:
        caller = await self.caller(actor, document_id, permissions.can_decide)
        if decision not in ("accept", "reject"):
            raise Invalid("decision must be accept or reject")
        if decision == "reject" and not reason.strip():
            raise Invalid("Penolakan memerlukan alasan / a rejection needs a reason",
                          code="reason_required")
        async with self._lock(document_id):
            suggestion = self._suggestion(await self.review(document_id), suggestion_id)
            if suggestion.status != "open":
                raise Conflict(f"Saran ini sudah diputuskan / the suggestion was decided "
                               f"already ({suggestion.status})", code="already_decided")
            payload: dict[str, Any] = {"suggestion_id": suggestion_id, "decision": decision,
                                       "reason": reason.strip(),
                                       "suggester": suggestion.author.person_id,
                                       "client_id": None, "clock": None,
                                       "update_position": None}
            if decision == "accept":
                payload.update(await self._apply(caller, suggestion))
            await self._append(caller, d.SUGGESTION_DECIDED, payload)
        await self._mirror(document_id, suggestion=suggestion_id)
        return payload

    async def decide_all(self, actor: Actor | None, document_id: str, author: str,
                         decision: str, reason: str = "") -> dict[str, Any]:
        """Every open suggestion of ``author``, oldest first; the ones that cannot be taken
        (stale, say) are skipped with the reason, the rest decided."""
        await self.caller(actor, document_id, permissions.can_decide)
        review = await self.review(document_id)
        decided: list[str] = []
        skipped: list[dict[str, str]] = []
        for suggestion in sorted(review.suggestions.values(), key=lambda s: s.position):
            if suggestion.author.person_id != author or suggestion.status != "open":
                continue
            try:
                await self.decide(actor, document_id, suggestion.id, decision, reason)
                decided.append(suggestion.id)
            except Conflict as error:
                skipped.append({"id": suggestion.id, "code": error.code,
                                "reason": error.message})
        return {"decided": decided, "skipped": skipped}

    async def _apply(self, caller: Caller, suggestion: Suggestion) -> dict[str, Any]:
        """Write the replacement into the document; the client id and clocks it used."""
        client_id = new_client_id()
        made: dict[str, Any] = {}

        def edit(doc: Doc[Any]) -> list[Any]:
            update = accept_update(doc, suggestion, client_id)
            shape = ycodec.outline(update)
            made["clock"] = [shape.starts.get(client_id, 0), shape.writers.get(client_id, 0)]
            return [NewEvent(CRDT_UPDATE, update, caller.actor, caller.context)]

        try:
            positions = await self.writer.write(caller.document_id, edit, _guard(caller))
        except GuardFailed as error:
            raise Conflict("Tahap atau hak Anda baru saja berubah; muat ulang / the stage or "
                           "your rights changed meanwhile; reload and try again",
                           code="changed_meanwhile") from error
        except (ConcurrencyError, EventStoreError) as error:
            raise Unavailable(f"the document could not be written right now: {error}") from error
        return {"client_id": client_id, "clock": made.get("clock"),
                "update_position": positions[0] if positions else None}

    # -- appending ---------------------------------------------------------------------------

    def _lock(self, document_id: str) -> asyncio.Lock:
        return self._locks.setdefault(document_id, asyncio.Lock())

    async def _record(self, caller: Caller, kind: str, payload: dict[str, Any], *,
                      comment: str | None = None, suggestion: str | None = None) -> None:
        async with self._lock(caller.document_id):
            await self.review(caller.document_id)
            await self._append(caller, kind, payload)
        await self._mirror(caller.document_id, comment=comment, suggestion=suggestion)

    async def _append(self, caller: Caller, kind: str, payload: dict[str, Any]) -> int:
        review = self._reviews.get(caller.document_id) or Review()
        try:
            positions = await self.store.append(
                d.review_stream(caller.document_id),
                [NewEvent(kind, payload, caller.actor, caller.context)],
                expected_version=review.version, guard=_guard(caller))
        except GuardFailed as error:
            raise Conflict("Tahap atau hak Anda baru saja berubah; muat ulang / the stage or "
                           "your rights changed meanwhile; reload and try again",
                           code="changed_meanwhile") from error
        except ConcurrencyError as error:
            raise Conflict("Data ini baru saja diubah orang lain; muat ulang lalu coba lagi / "
                           "someone changed this at the same moment; reload and try again"
                           ) from error
        except InvalidEventError as error:
            raise Invalid(str(error)) from error
        except EventStoreError as error:
            raise Unavailable(f"the event log cannot be written right now: {error}") from error
        await self.review(caller.document_id)
        return positions[-1]

    async def _mirror(self, document_id: str, *, comment: str | None = None,
                      suggestion: str | None = None) -> None:
        """Rewrite one entry of the ``review`` root from the log's record of it. The log holds
        the event already: should this fail, the entry is written again with its next change,
        and the API lists it meanwhile."""
        review = await self.review(document_id)
        state = await self.process.state()
        commitment = state.commitments[state.documents[document_id]]
        plan = state.plans[commitment.plan_id]
        context = Context(plan.id, str(plan.stage), None)

        def edit(doc: Doc[Any]) -> list[Any]:
            if comment is not None:
                item = review.comments[comment]
                value = comment_entry(item, _on_deleted_text(doc, item))
                update = review_update(doc, COMMENTS, comment, value)
            else:
                assert suggestion is not None
                proposal = review.suggestions[suggestion]
                value = suggestion_entry(proposal, _stale(doc, proposal))
                update = review_update(doc, SUGGESTIONS, suggestion, value)
            return [NewEvent(CRDT_UPDATE, update, Actor.system(), context)]

        try:
            await self.writer.write(document_id, edit)
        except Exception:
            log.exception("could not write the review entry of %s on %s",
                          comment or suggestion, document_id)

    @staticmethod
    def _comment(review: Review, comment_id: str) -> Comment:
        comment = review.comments.get(comment_id)
        if comment is None:
            raise NotFound(f"no comment {comment_id!r} on this document")
        return comment

    @staticmethod
    def _suggestion(review: Review, suggestion_id: str) -> Suggestion:
        suggestion = review.suggestions.get(suggestion_id)
        if suggestion is None:
            raise NotFound(f"no suggestion {suggestion_id!r} on this document")
        return suggestion


# -- anchors and the accepted text --------------------------------------------------------------


def _guard(caller: Caller) -> dict[str, int]:
    """What the caller's permission rests on: the plan's stream (a stage advance) and, for a
    registered person, theirs (a deactivation), at the versions the decision saw."""
    plan_stream = d.plan_stream(caller.commitment.plan_id)
    guard = {plan_stream: caller.state.version_of(plan_stream)}
    person = d.person_stream(caller.actor.person_id)
    if caller.actor.person_id in caller.state.people:
        guard[person] = caller.state.version_of(person)
    return guard


def _anchor(doc: Doc[Any], section: str, quote: str | None, anchor: dict[str, str] | None,
            *, allow_empty: bool) -> tuple[str | None, str | None, str]:
    """(start, end, quote): from the anchor when given (the quote is then the text between its
    positions), else from the quote's first occurrence; (None, None, "") for no quote."""
    if anchor is not None:
        start, end = anchor.get("start"), anchor.get("end")
        if not isinstance(start, str) or not isinstance(end, str):
            raise a.BadAnchor("anchor needs start and end, each a base64 relative position")
        if section == a.WHOLE:
            raise a.BadAnchor("a comment on the whole commitment has no anchor")
        if start == end and not allow_empty:
            raise a.BadAnchor("the anchor spans no text: give start and end of a passage")
        placed = loc.place(doc, section, start, end)
        return start, end, placed.quote
    if not quote:
        if section != a.WHOLE:
            a.fields(doc, section)  # an unknown milestone is refused here
        if allow_empty:
            raise a.QuoteNotFound("a suggestion needs the quote it replaces (or an anchor)")
        return None, None, ""
    if section == a.WHOLE:
        raise a.QuoteNotFound("a comment on the whole commitment (*) quotes nothing")
    _, start_b64, end_b64 = a.anchor_quote(doc, section, quote)
    return start_b64, end_b64, quote


def _on_deleted_text(doc: Doc[Any], comment: Comment, resolver: loc.Resolver | None = None
                     ) -> bool:
    if comment.start is None or comment.end is None or not comment.quote:
        return False
    return loc.collapsed(doc, comment.start, comment.end, resolver)


def _stale(doc: Doc[Any], suggestion: Suggestion, resolver: loc.Resolver | None = None) -> bool:
    if suggestion.status != "open" or suggestion.start is None or suggestion.end is None:
        return False
    resolver = resolver or loc.Resolver(doc)
    if not suggestion.quote:  # an insertion: stale once the character it follows is gone
        try:
            first, _ = loc.positions(suggestion.start, suggestion.end)
        except a.BadAnchor:
            return True
        return resolver.where(first.item) is None
    return loc.locate(doc, suggestion.section, suggestion.start, suggestion.end,
                    suggestion.quote, resolver) is None


def accept_update(doc: Doc[Any], suggestion: Suggestion, client_id: int) -> bytes:
    """The update replacing the suggestion's quote by its replacement, written with
    ``client_id``; raises ``Stale`` when the anchored text is no longer the quote.

    In one scratch copy (with ``client_id``): delete the anchor's first character (the event
    says where it stood, in which text; no event: it is gone), check that the text from there
    is still the quote, delete the rest of it and type the replacement there. The update then
    deletes exactly the quote's characters and inserts the replacement after them."""
    stale = Stale("Teks yang disarankan untuk diubah sudah berubah; saran ini usang / the text "
                  "this suggestion changes has changed since; the suggestion is stale")
    if suggestion.start is None or suggestion.end is None:
        raise stale
    try:
        first, _ = loc.positions(suggestion.start, suggestion.end)
    except a.BadAnchor:
        raise stale from None
    if not suggestion.quote:  # an insertion: where its character stands, then type
        try:
            point = loc.place(doc, suggestion.section, suggestion.start, suggestion.end)
        except (a.BadAnchor, a.UnknownSection):
            raise stale from None
        copy = a.scratch(doc, client_id)
        with loc.Edits(copy) as edits:
            a.node_at(copy, point.field.path).insert(
                a.utf8_offset(point.field.text, point.start), suggestion.replacement)
        return edits.update()
    resolver = loc.Resolver(doc, client_id=client_id)
    found = resolver.take(first.item)  # deleted in the copy, not typed back
    wanted = suggestion.quote.encode("utf-8")
    if found is None or loc.locate_field(doc, suggestion.section, found.path) is None or \
            found.text.encode("utf-8")[found.byte:found.byte + len(wanted)] != wanted or \
            found.size > len(wanted):
        raise stale
    copy, taken = resolver.copy_and_taken()
    node = a.node_at(copy, found.path)
    with loc.Edits(copy) as edits:
        rest = len(wanted) - found.size
        if rest > 0:
            del node[found.byte:found.byte + rest]
        if suggestion.replacement:
            node.insert(found.byte, suggestion.replacement)
    # The first character's deletion went in apart (it told where the quote stands).
    return pycrdt.merge_updates(taken, edits.update())
