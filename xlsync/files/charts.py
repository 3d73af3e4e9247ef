"""Charts of the Word draft as PNG images (matplotlib, drawn with a Chinese font).

A chart is plain data (xlsync.core.outline.Chart); this module draws it with matplotlib's
object API (no pyplot: no global state, no window) and returns PNG bytes. The same chart
gives the same bytes (no timestamp or software tag in the PNG). Chinese needs a CJK font:
one is looked for by name among the fonts matplotlib knows, then among the system's font
files, then in XLSYNC_CJK_FONT; without any, a Chinese message says what to install,
rather than a chart whose every character is an empty box.
"""

from __future__ import annotations

import functools
import io
import os
from pathlib import Path
from typing import Any

from xlsync.core.outline import Chart
from xlsync.errors import XlsyncError

FONT_VARIABLE = "XLSYNC_CJK_FONT"  # a font file the school wants, when none below is present
# Simplified-Chinese fonts first (Noto Sans CJK SC comes with Debian/Ubuntu's fonts-noto-cjk;
# 微软雅黑/黑体 with every Chinese Windows; 苹方 with macOS), then others that cover Chinese.
FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans SC",
    "Noto Serif CJK SC",
    "SimSun",
    "AR PL UMing CN",
    "Noto Sans CJK JP",
)
FILE_HINTS = ("cjk", "sourcehan", "msyh", "simhei", "simsun", "pingfang", "wqy", "hei")
PROBE = "留守儿童帮扶工作总结谈心家访送温暖月份学期"  # a font must draw all of these
NO_FONT = (
    "没有找到中文字体，图表里的汉字会显示成方框，所以没有生成 Word 稿。"
    "请安装一种中文字体再运行：Linux 上运行 sudo apt install fonts-noto-cjk；"
    "Windows 和 macOS 自带的中文字体（微软雅黑、黑体、苹方）都可以；"
    f"也可以用环境变量 {FONT_VARIABLE} 指定一个中文字体文件（.ttf/.otf/.ttc）。"
)
COLOURS = ("#4472C4", "#ED7D31", "#A5A5A5", "#FFC000", "#5B9BD5", "#70AD47", "#264478", "#9E480E",
           "#636363", "#997300")  # fmt: skip
STACK_COLOURS = ("#70AD47", "#FFC000", "#C00000")  # done on time, late, never: green/amber/red
SIZE_CM = (16.0, 7.5)
DPI = 150


def _covers(path: Any) -> bool:
    from matplotlib import font_manager

    try:
        font = font_manager.get_font(path)
    except (OSError, RuntimeError, ValueError):
        return False
    return all(font.get_char_index(ord(c)) for c in PROBE)


def _by_name(names: tuple[str, ...]) -> str | None:
    """The first of `names` that matplotlib knows and that draws Chinese."""
    from matplotlib import font_manager

    known = {entry.name for entry in font_manager.fontManager.ttflist}
    for name in names:
        if name in known:
            path = font_manager.findfont(name, fallback_to_default=False)
            if _covers(path):
                return name
    return None


def _add_file(path: Path) -> str | None:
    """Register a font file with matplotlib; the best of its faces that draws Chinese."""
    from matplotlib import font_manager

    try:
        font_manager.fontManager.addfont(str(path))
    except (OSError, RuntimeError, ValueError):
        return None
    faces = [e.name for e in font_manager.fontManager.ttflist if Path(e.fname) == path]
    faces.sort(key=lambda name: not name.endswith(("SC", "CN", "GB")))  # simplified first
    return _by_name(tuple(dict.fromkeys(faces)))


def _from_system_files() -> str | None:
    """A CJK font file the system has but matplotlib's font cache does not (installed later)."""
    from matplotlib import font_manager

    for path in sorted(font_manager.findSystemFonts()):
        if any(hint in Path(path).name.lower() for hint in FILE_HINTS):
            if name := _add_file(Path(path)):
                return name
    return None


@functools.cache
def cjk_family() -> str:
    """The name of a font family that draws Chinese, or a Chinese message saying what to install."""
    chosen = os.environ.get(FONT_VARIABLE)
    name = (
        (_add_file(Path(chosen)) if chosen else None) or _by_name(FAMILIES) or _from_system_files()
    )
    if name is None:
        raise XlsyncError(NO_FONT)
    return name


def render(chart: Chart) -> bytes:
    """The chart as a PNG image: 16 × 7.5 cm at 150 dpi, the same bytes for the same chart."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    style: dict[Any, Any] = {
        "font.family": [cjk_family()],
        "axes.unicode_minus": False,
        "svg.hashsalt": "x",
    }
    with rc_context(style):
        figure = Figure(figsize=(SIZE_CM[0] / 2.54, SIZE_CM[1] / 2.54), dpi=DPI)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        DRAW[chart.kind](axes, chart)
        _finish(axes, chart)
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def _bars(axes: Any, chart: Chart) -> None:
    count = max(len(chart.series), 1)
    width = 0.8 / count
    for i, (name, values) in enumerate(chart.series):
        xs = [x + (i - (count - 1) / 2) * width for x in range(len(chart.labels))]
        bars = axes.bar(xs, values, width, label=name, color=COLOURS[i % len(COLOURS)])
        axes.bar_label(bars, fmt=_number, fontsize=7, padding=1)
    axes.set_xticks(range(len(chart.labels)), chart.labels)


def _lines(axes: Any, chart: Chart) -> None:
    for i, (name, values) in enumerate(chart.series):
        colour = COLOURS[i % len(COLOURS)]
        axes.plot(chart.labels, values, marker="o", label=name, color=colour)
        if len(chart.series) > 2:  # labels of many lines would cover each other
            continue
        for x, y in zip(chart.labels, values, strict=True):
            axes.annotate(_number(y), (x, y), textcoords="offset points", xytext=(0, 4),
                          ha="center", fontsize=7)  # fmt: skip
    axes.set_ylim(bottom=0)


def _stacked(axes: Any, chart: Chart) -> None:
    """Horizontal bars, one per label, each split into its series (shares adding up to 100)."""
    left = [0.0] * len(chart.labels)
    for i, (name, values) in enumerate(chart.series):
        colour = STACK_COLOURS[i % len(STACK_COLOURS)]
        bars = axes.barh(chart.labels, values, left=left, label=name, color=colour)
        shown = [_number(v) if v >= 8 else "" for v in values]  # a thin slice gets no label
        axes.bar_label(bars, labels=shown, label_type="center", fontsize=7)
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.invert_yaxis()  # the first label on top, as in the table beside it


def _finish(axes: Any, chart: Chart) -> None:
    axes.tick_params(labelsize=8)
    if chart.unit:
        (axes.set_xlabel if chart.kind == "stacked" else axes.set_ylabel)(chart.unit, fontsize=8)
    if len(chart.series) > 1:
        # right of the plot, where it covers no bar or line
        axes.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    axes.spines[["top", "right"]].set_visible(False)


def _number(value: float) -> str:
    return f"{value:g}"


DRAW = {"bar": _bars, "line": _lines, "stacked": _stacked}
