"""A class workbook's styles part (xl/styles.xml) as the package-level writer extends it.

The writer (files/patch_book.py) never rewrites a format a cell already uses: it only appends
fonts, fills, number formats, cell formats (xf) and conditional-format styles (dxf) at the end
of their lists, so every format number in the teacher's sheets keeps its meaning. A new cell
format is an existing one with some parts replaced — exactly what openpyxl's `cell.fill = …`
does — and its parts are written by openpyxl's own style classes (`to_tree`), so they read
back as the openpyxl writer's would. A styles part this cannot follow (a prefixed namespace, a
list missing) raises `NotPlain`; the caller then refreshes the workbook through openpyxl.
"""

from __future__ import annotations

import re
from typing import Any

from openpyxl.styles import Font
from openpyxl.styles.fonts import DEFAULT_FONT
from openpyxl.xml.functions import fromstring, tostring

_LISTS = ("numFmts", "fonts", "fills", "borders", "cellXfs", "dxfs")
_ITEM = {
    "numFmts": rb"<numFmt\b[^>]*/>",
    "fonts": rb"<font\b[^>]*/>|<font\b[^>]*>.*?</font>",
    "fills": rb"<fill\b[^>]*/>|<fill\b[^>]*>.*?</fill>",
    "borders": rb"<border\b[^>]*/>|<border\b[^>]*>.*?</border>",
    "cellXfs": rb"<xf\b[^>]*/>|<xf\b[^>]*>.*?</xf>",
    "dxfs": rb"<dxf\b[^>]*/>|<dxf\b[^>]*>.*?</dxf>",
}
_ATTR = re.compile(rb'(\w+)="([^"]*)"')
_FIRST_CUSTOM_FORMAT = 164
BUILTIN_FORMATS = {
    "General": 0,
    "0": 1,
    "0.00": 2,
    "@": 49,
}  # the rest are custom, as openpyxl has it


class NotPlain(Exception):
    """The package is not as the package-level writer expects: refresh it through openpyxl."""


def font_over(base: Font | None, **changes: Any) -> Font:
    """A font that is `changes` (bold, colour, underline, size) over `base` (a cell's font, by
    default the workbook's): its name, size and family kept. A font without a name prints in
    LibreOffice's default serif, and without a size at 10 pt."""
    base = base or DEFAULT_FONT
    kept = {"name": base.name, "sz": base.sz, "family": base.family, "scheme": base.scheme}
    return Font(**{**kept, "charset": base.charset, **changes})


def xml_of(style: Any) -> bytes:
    """An openpyxl style object (Font, PatternFill, Alignment, DifferentialStyle) as XML."""
    return tostring(style.to_tree())


class StyleBook:
    """xl/styles.xml, read once, extended, written back."""

    def __init__(self, xml: bytes) -> None:
        if re.search(rb"<\w+:styleSheet\b", xml) or b"<styleSheet" not in xml:
            raise NotPlain("styles part with a prefixed namespace")
        self.xml = xml
        self.items: dict[str, list[bytes]] = {}
        self.added: dict[str, int] = {}
        for name in _LISTS:
            found = _section(xml, name)
            if found is None and name not in ("numFmts", "dxfs"):
                raise NotPlain(f"no {name} in styles")
            body = found.group(2) if found is not None and found.group(2) else b""
            self.items[name] = re.findall(_ITEM[name], body, re.S)
            self.added[name] = 0
        self.formats = {
            dict(_ATTR.findall(item)).get(b"formatCode", b"").decode(): int(
                dict(_ATTR.findall(item)).get(b"numFmtId", b"0")
            )
            for item in self.items["numFmts"]
        }

    def _index(self, name: str, item: bytes) -> int:
        items = self.items[name]
        try:
            return items.index(item)
        except ValueError:
            items.append(item)
            self.added[name] += 1
            return len(items) - 1

    def format_id(self, code: str) -> int:
        """The number format id of `code`, a new custom format when the book has none."""
        builtin = BUILTIN_FORMATS.get(code)
        if builtin is not None:
            return builtin
        if code in self.formats:
            return self.formats[code]
        number = max([_FIRST_CUSTOM_FORMAT - 1, *self.formats.values()]) + 1
        self.formats[code] = number
        escaped = code.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        self._index("numFmts", f'<numFmt numFmtId="{number}" formatCode="{escaped}"/>'.encode())
        return number

    def fill_of(self, xf: int) -> bytes:
        """The fill XML of cell format `xf` as the file has it."""
        attrs = self._xf_attrs(xf)
        index = int(attrs.get(b"fillId", b"0"))
        fills = self.items["fills"]
        return fills[index] if index < len(fills) else b"<fill><patternFill/></fill>"

    def _xf_attrs(self, xf: int) -> dict[bytes, bytes]:
        xfs = self.items["cellXfs"]
        if not 0 <= xf < len(xfs):
            raise NotPlain(f"cell format {xf} not in styles")
        return dict(_ATTR.findall(re.match(rb"<xf\b[^>]*", xfs[xf]).group(0)))  # type: ignore[union-attr]

    def derive(
        self,
        xf: int,
        font: bytes | None = None,
        fill: bytes | None = None,
        number_format: str | None = None,
        alignment: bytes | None = None,
    ) -> int:
        """Cell format `xf` with the given parts replaced (None keeps a part as it is)."""
        if font is None and fill is None and number_format is None and alignment is None:
            return xf
        source = self.items["cellXfs"][xf] if xf < len(self.items["cellXfs"]) else b""
        attrs = self._xf_attrs(xf) if source else {}
        if font is not None:
            font = self._named(attrs, font)
            attrs[b"fontId"] = str(self._index("fonts", font)).encode()
            attrs[b"applyFont"] = b"1"
        if fill is not None:
            attrs[b"fillId"] = str(self._index("fills", fill)).encode()
            attrs[b"applyFill"] = b"1"
        if number_format is not None:
            attrs[b"numFmtId"] = str(self.format_id(number_format)).encode()
            attrs[b"applyNumberFormat"] = b"1"
        children = re.sub(rb"^<xf\b[^>]*?(/>|>)", b"", source).removesuffix(b"</xf>")
        if alignment is not None:
            children = re.sub(rb"<alignment\b[^>]*/>", b"", children) + alignment
            attrs[b"applyAlignment"] = b"1"
        head = b"<xf" + b"".join(b" " + k + b'="' + v + b'"' for k, v in sorted(attrs.items()))
        item = head + (b">" + children + b"</xf>" if children else b"/>")
        return self._index("cellXfs", item)

    def _named(self, attrs: dict[bytes, bytes], font: bytes) -> bytes:
        """`font` over the font of the format it replaces (`font_over`, as files/render.py
        draws it) when it names none."""
        made = Font.from_tree(fromstring(font))
        if made.name is not None:
            return font
        fonts = self.items["fonts"]
        index = int(attrs.get(b"fontId", b"0"))
        base = Font.from_tree(fromstring(fonts[index])) if index < len(fonts) else None
        return xml_of(font_over(base, b=made.b, color=made.color, u=made.u))

    def dxf(self, style: Any) -> int:
        """The index of a conditional format's style (appended when new)."""
        return self._index("dxfs", xml_of(style))

    def to_bytes(self) -> bytes:
        """The styles part with the appended entries (unchanged bytes when none)."""
        xml = self.xml
        for name in _LISTS:
            if not self.added[name]:
                continue
            items = self.items[name]
            body = (
                f'<{name} count="{len(items)}">'.encode() + b"".join(items) + f"</{name}>".encode()
            )
            found = _section(xml, name)
            if found is not None:
                xml = xml[: found.start()] + body + xml[found.end() :]
            else:
                xml = _insert_section(xml, name, body)
        return xml


def _section(xml: bytes, name: str) -> re.Match[bytes] | None:
    tag = name.encode()
    return re.search(rb"<" + tag + rb"\b([^>]*?)(?:/>|>(.*?)</" + tag + rb">)", xml, re.S)


_ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs")


def _insert_section(xml: bytes, name: str, body: bytes) -> bytes:
    """A list the part lacked, put where the schema's order wants it."""
    later = _ORDER[_ORDER.index(name) + 1 :] + ("tableStyles", "colors", "extLst")
    for tag in later:
        found = re.search(rb"<" + tag.encode() + rb"\b", xml)
        if found:
            return xml[: found.start()] + body + xml[found.start() :]
    return xml.replace(b"</styleSheet>", body + b"</styleSheet>", 1)
