"""The public consultation's rules that are not about who asks: its announced window, the
dates in words people read, and the rows of a face-to-face consultation imported as CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from commitment.template import SECTIONS

from .cycle_state import Window
from .errors import Conflict, Invalid

MAX_ROWS = 500
CSV_COLUMNS = ("commitment", "text", "section", "milestone", "name", "organisation",
               "publish_name")
"""A face-to-face consultation's CSV: a header row naming these columns (``commitment`` and
``text`` required; ``commitment`` is the commitment's id or its number in the plan)."""
_TRUE = {"1", "true", "yes", "ya", "y"}
_FALSE = {"", "0", "false", "no", "tidak", "n"}


def parse_moment(value: str, field: str) -> datetime:
    """An ISO-8601 date and time with its offset (a window is announced for a place)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{field} {value!r} must be an ISO-8601 date and time, e.g. "
                      "2026-03-01T08:00:00+07:00") from None
    if moment.tzinfo is None:
        raise Invalid(f"{field} {value!r} needs a time zone offset, e.g. +07:00 (WIB)",
                      code="offset_required")
    return moment


def check_window(opens: str, closes: str) -> tuple[datetime, datetime]:
    start, end = parse_moment(opens, "opens"), parse_moment(closes, "closes")
    if end <= start:
        raise Invalid("Konsultasi harus ditutup setelah dibuka / closes must be after opens",
                      code="closes_before_opens")
    return start, end


def dates(window: Window) -> str:
    return f"{window.opens.isoformat()} \u2013 {window.closes.isoformat()}"


def require_inside(window: Window | None, moment: datetime) -> None:
    """Refuse input outside the announced window (409, with the dates in both languages)."""
    if window is None or window.holds(moment):
        return
    if moment < window.opens:
        raise Conflict(
            f"Konsultasi publik belum dibuka; masukan diterima {dates(window)} / the public "
            f"consultation is not open yet; input is accepted {dates(window)}",
            code="consultation_not_open")
    raise Conflict(
        f"Konsultasi publik sudah ditutup; masukan diterima {dates(window)} / the public "
        f"consultation has closed; input was accepted {dates(window)}",
        code="consultation_closed")


@dataclass(frozen=True)
class Row:
    """One input gathered face to face, as the Secretariat enters it."""

    commitment: str  # id or number
    text: str
    target: dict[str, Any]
    name: str = ""
    organisation: str = ""
    publish_name: bool = False


def row_of(value: dict[str, Any], where: str) -> Row:
    """A row from a JSON object or a CSV record, checked; ``Invalid`` names where."""
    commitment = str(value.get("commitment") or value.get("commitment_id") or "").strip()
    text = str(value.get("text") or "").strip()
    if not commitment:
        raise Invalid(f"{where}: the commitment (id or number) is missing")
    if not text:
        raise Invalid(f"{where}: the input's text is empty")
    if len(text) > 5000:
        raise Invalid(f"{where}: the text is longer than 5000 characters")
    target: dict[str, Any] = {}
    section = str(value.get("section") or "").strip()
    if section:
        if section not in SECTIONS:
            raise Invalid(f"{where}: section must be one of {list(SECTIONS)}")
        target["section"] = section
    milestone = value.get("milestone")
    if milestone not in (None, ""):
        number = str(milestone).strip()
        if not number.isdigit() or int(number) < 1:
            raise Invalid(f"{where}: milestone must be the milestone's number, 1 or more")
        target["milestone"] = int(number)
    consent = value.get("publish_name", False)
    if not isinstance(consent, bool):
        word = str(consent).strip().lower()
        if word not in _TRUE | _FALSE:
            raise Invalid(f"{where}: publish_name must be yes or no")
        consent = word in _TRUE
    return Row(commitment, text, target, str(value.get("name") or "").strip()[:200],
               str(value.get("organisation") or "").strip()[:200], consent)


def rows_of_csv(text: str) -> list[Row]:
    """The rows of a CSV export of a face-to-face consultation (UTF-8, a header row; a
    byte-order mark and ``;`` separators, as spreadsheets write them, are understood)."""
    text = text.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("commitment", "text") if c not in header]
    if missing:
        raise Invalid(f"the CSV's header row must name the columns {list(CSV_COLUMNS)}; "
                      f"missing: {missing}", code="csv_header")
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise Invalid(f"the CSV names unknown columns {unknown}; known: {list(CSV_COLUMNS)}",
                      code="csv_header")
    rows = []
    try:
        for line, record in enumerate(reader, start=2):
            if None in record:
                raise Invalid(f"row {line}: more cells than columns", code="csv_row")
            cleaned = {str(k).strip().lower(): v for k, v in record.items()}
            if not any((v or "").strip() for v in cleaned.values()):
                continue  # an empty line
            rows.append(row_of(cleaned, f"row {line}"))
            if len(rows) > MAX_ROWS:
                raise Invalid(f"at most {MAX_ROWS} inputs at once", code="too_many_rows")
    except csv.Error as error:
        raise Invalid(f"the CSV cannot be read: {error}", code="csv_row") from None
    if not rows:
        raise Invalid("the CSV holds no inputs", code="csv_empty")
    return rows
