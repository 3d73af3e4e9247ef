"""How the consolidation cache stores data: JSON (data only, never code: no pickle, which runs
code from anyone who can write to the shared folder), compressed, and sealed with AES-GCM under
a key derived from the master's password when the master is encrypted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import zlib
from typing import Any

import pandas as pd

from xlsync.core.classbook import CLASS_BOOK_ORDER, ClassBook
from xlsync.core.findings import Finding
from xlsync.core.tables import Table
from xlsync.schema import CLASS_SHEETS

PLAIN, SEALED = b"XLSC0", b"XLSC1"


class CacheDataError(ValueError):
    """A stored cache file that cannot be read back (damaged, other key, other format)."""


# --- values -----------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    """A cell value as JSON; dates, times and tuples tagged so they come back as themselves."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, dt.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, dt.time):
        return {"tm": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"td": value.total_seconds()}
    if isinstance(value, tuple | list):
        return {"t" if isinstance(value, tuple) else "l": [_cell(v) for v in value]}
    if hasattr(value, "item"):  # a numpy scalar
        return _cell(value.item())
    raise TypeError(f"cannot cache a {type(value).__name__}")


_TAGS = {
    "dt": dt.datetime.fromisoformat,
    "d": dt.date.fromisoformat,
    "tm": dt.time.fromisoformat,
    "td": lambda s: dt.timedelta(seconds=float(s)),
}


def _uncell(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    (tag, inner), *_ = value.items()
    if tag in ("t", "l"):
        items = [_uncell(v) for v in inner]
        return tuple(items) if tag == "t" else items
    return _TAGS[tag](inner)


_PLAIN = {str, int, float, bool, type(None)}
_DATES = {dt.date, type(None)}


def _column(values: list[Any]) -> Any:
    """One column as JSON: as is when plain, ISO texts when dates, else tagged cell by cell
    (column-wise, since tagging every cell costs ten times more)."""
    kinds = {type(v) for v in values}
    if kinds <= _PLAIN:
        return values
    if kinds <= _DATES:
        return {"d": [v.isoformat() if v is not None else None for v in values]}
    return {"c": [_cell(v) for v in values]}


def _uncolumn(stored: Any) -> list[Any]:
    if isinstance(stored, list):
        return _shared(stored)
    if "d" in stored:
        return [dt.date.fromisoformat(v) if v is not None else None for v in stored["d"]]
    return [_uncell(v) for v in stored["c"]]


def _shared(values: list[Any]) -> list[Any]:
    """One str object per distinct text of a column (JSON gives each occurrence its own: a
    school's 帮扶教师, 帮扶类型 and names repeat thousands of times; 60 MiB on M)."""
    seen: dict[str, str] = {}
    return [seen.setdefault(v, v) if type(v) is str else v for v in values]


def _frame(frame: pd.DataFrame) -> dict[str, Any]:
    columns = [_column(values) for values in _column_lists(frame)]
    return {
        "columns": list(frame.columns),
        "index": [int(i) for i in frame.index],
        "index_dtype": str(frame.index.dtype),
        "index_name": frame.index.name,
        "values": columns,
    }


def _column_lists(frame: pd.DataFrame) -> list[list[Any]]:
    """Each column's values as a list, in order: a table's frames hold Python objects, and
    one transposed copy is three times faster than a pandas column at a time."""
    if all(str(dtype) == "object" for dtype in frame.dtypes):
        return frame.to_numpy(dtype=object).T.tolist()  # the cells' own objects
    return [frame.iloc[:, i].tolist() for i in range(frame.shape[1])]


def _unframe(stored: dict[str, Any]) -> pd.DataFrame:
    index = pd.Index(stored["index"], name=stored["index_name"], dtype=stored["index_dtype"])
    values = {i: _uncolumn(v) for i, v in enumerate(stored["values"])}
    frame = pd.DataFrame(values, index=index, columns=range(len(values)), dtype=object)
    frame.columns = pd.Index(stored["columns"])
    return frame


# --- class books ------------------------------------------------------------------------

_SPECS = {sheet.name: sheet for sheet in CLASS_SHEETS}


def finding_data(finding: Finding) -> dict[str, Any]:
    """A finding as JSON-ready data."""
    details = [list(d) for d in finding.details]
    return {**finding.to_dict(), "value": _cell(finding.value), "details": details}


def finding_from(stored: dict[str, Any]) -> Finding:
    details = tuple(map(tuple, stored["details"]))
    return Finding(**{**stored, "value": _uncell(stored["value"]), "details": details})


def cells(values: list[Any]) -> list[Any]:
    """Cell values as JSON (dates tagged), for `uncells`."""
    return [_cell(v) for v in values]


def uncells(stored: list[Any]) -> list[Any]:
    return [_uncell(v) for v in stored]


def _table(table: Table) -> dict[str, Any]:
    findings = [finding_data(f) for f in table.findings]
    return {
        "spec": table.spec.name,
        "file": table.file,
        "source_sheet": table.source_sheet,
        "header_row": table.header_row,
        "positions": table.positions,
        **_frames(table),
        "findings": findings,
    }


def _frames(table: Table) -> dict[str, Any]:
    """The raw and the typed frame; a raw column equal to its typed one (most texts) is
    stored once: half the cache to read back."""
    raw, data = _frame(table.raw), _frame(table.data)
    if raw["columns"] == data["columns"] and raw["index"] == data["index"]:
        pairs = zip(raw["values"], data["values"], strict=True)
        raw["values"] = [SAME if _identical(r, d) else r for r, d in pairs]
    return {"raw": raw, "data": data}


def _identical(raw: Any, data: Any) -> bool:
    """Equal and of the same types (1 == 1.0 == True in Python, not in a cell)."""
    if isinstance(raw, list) and isinstance(data, list):
        return raw == data and all(type(a) is type(b) for a, b in zip(raw, data, strict=True))
    return json.dumps(raw, default=str) == json.dumps(data, default=str)


SAME = {"same": 1}


def _raw(stored: dict[str, Any]) -> dict[str, Any]:
    raw, data = stored["raw"], stored["data"]
    values = [data["values"][i] if r == SAME else r for i, r in enumerate(raw["values"])]
    return {**raw, "values": values}


def _untable(stored: dict[str, Any]) -> Table:
    findings = [finding_from(f) for f in stored["findings"]]
    return Table(
        _SPECS[stored["spec"]],
        stored["file"],
        stored["source_sheet"],
        stored["header_row"],
        dict(stored["positions"]),
        _unframe(_raw(stored)),
        _unframe(stored["data"]),
        findings,
    )


def book_data(book: ClassBook) -> dict[str, Any]:
    """A parsed class workbook as JSON-ready data, with its records' links to children (as
    costly to work out again as the rest of the parse)."""
    links = [list(children) for children in book.record_links.tolist()]
    return {"file": book.file, "tables": [_table(t) for t in book.tables], "links": links}


def book_json(book: ClassBook) -> tuple[bytes, str]:
    """The book as the cache stores it — its file name, each table, its records' links: one
    JSON text a line (JSON writes a line break inside a text as \\n) — and `tables_hash` of
    it. One table a line lets a refreshed file's book be stored as the book before with its
    new 学生档案 (`with_students`), the other tables' text as it was."""
    data = book_data(book)
    tables = [_dumps(table) for table in data["tables"]]
    lines = [_dumps(data["file"]), *tables, _dumps(data["links"])]
    text = "\n".join(lines).encode()
    return text, tables_hash(text)


def tables_hash(text: bytes) -> str:
    """A hash of a stored book's tables after 学生档案 — the ones a refresh of the class file
    never writes into (jobs/write_back.py compares it instead of reading the older book)."""
    lines = text.split(b"\n")
    return hashlib.sha256(b"\n".join(lines[2 : 1 + len(CLASS_BOOK_ORDER)])).hexdigest()


def book_from_json(text: bytes) -> ClassBook:
    """The book `book_json` stored (CacheDataError when it is not one)."""
    lines = text.split(b"\n")
    if len(lines) != 2 + len(CLASS_BOOK_ORDER):
        raise CacheDataError("not a cached class book: wrong number of parts")
    try:
        file, *tables, links = (json.loads(line) for line in lines)
    except ValueError as err:
        raise CacheDataError(str(err)) from None
    return book_from_data({"file": file, "tables": tables, "links": links})


def with_students(text: bytes, students: Table) -> bytes | None:
    """The stored book `text` with its 学生档案 replaced by `students`; None unless the typed
    data of both are the same (the records' links, worked out from them, then still hold)."""
    lines = text.split(b"\n")
    if len(lines) != 2 + len(CLASS_BOOK_ORDER):
        return None
    try:
        before = json.loads(lines[1])
    except ValueError:
        return None
    after = _table(students)
    if not isinstance(before, dict) or _dumps(before.get("data")) != _dumps(after["data"]):
        return None
    lines[1] = _dumps(after).encode()
    return b"\n".join(lines)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, check_circular=False)  # a tree


def book_from_data(stored: dict[str, Any]) -> ClassBook:
    try:
        book = ClassBook(stored["file"], *(_untable(t) for t in stored["tables"]))
        links = [tuple(children) for children in stored["links"]]
    except (KeyError, TypeError, ValueError) as err:
        raise CacheDataError(f"not a cached class book: {err}") from None
    if len(links) != len(book.records.data):
        raise CacheDataError("not a cached class book: links do not match the records")
    index = book.records.data.index
    book.__dict__["record_links"] = pd.Series(links, index=index, dtype=object)  # cached_property
    return book


# --- bytes ------------------------------------------------------------------------------


def derive_key(password: str, salt: bytes) -> bytes:
    """A 256-bit key from the master's password (scrypt: slow to guess, once per run)."""
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=2**14, r=8, p=1).derive(password.encode())


def seal(value: Any, key: bytes | None) -> bytes:
    """`value` as compressed JSON, encrypted (AES-GCM) when there is a key."""
    return seal_bytes(_dumps(value).encode(), key)


def unseal(data: bytes, key: bytes | None) -> Any:
    """The value `seal` stored; CacheDataError when it is damaged or needs another key."""
    try:
        return json.loads(unseal_bytes(data, key))
    except ValueError as err:
        raise CacheDataError(str(err)) from None


def seal_bytes(data: bytes, key: bytes | None) -> bytes:
    """`data` compressed, encrypted (AES-GCM) when there is a key."""
    body = zlib.compress(data, 1)
    if key is None:
        return PLAIN + body
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    return SEALED + nonce + AESGCM(key).encrypt(nonce, body, SEALED)


def unseal_bytes(data: bytes, key: bytes | None) -> bytes:
    """The bytes `seal_bytes` stored; CacheDataError when damaged or needing another key."""
    head, rest = data[:5], data[5:]
    try:
        if head == PLAIN and key is None:
            return zlib.decompress(rest)
        if head == SEALED and key is not None:
            from cryptography.exceptions import InvalidTag
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            try:
                body = AESGCM(key).decrypt(rest[:12], rest[12:], SEALED)
            except InvalidTag:
                raise CacheDataError("sealed with another key") from None
            return zlib.decompress(body)
    except (zlib.error, ValueError) as err:
        raise CacheDataError(str(err)) from None
    raise CacheDataError("stored without encryption, or encrypted without a password now")
