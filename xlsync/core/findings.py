"""Findings are data: each kind has a stable code, a severity, a title and a message template.

A `Finding` is one problem at one cell; a `Report` holds them. The CLI's exit code and its
JSON come straight from the report. The README's code table is generated from `CATALOG`.

Masking follows where a finding goes (DESIGN §8): a finding keeps the value as typed, which the
teacher's own workbook (校验结果, cell notes) and the school's master (校验问题) show, so she can
see what is wrong; `Finding.masked()` renders it for whatever may leave the school or land on a
screen, in a CI log or a chat: the CLI text, the JSON, logs (and the sync and export mask the
master's 校验问题 the same way, see masking.mask_rows).
"""

from __future__ import annotations

import re
import string
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from xlsync.core.masking import mask_detail_value, mask_issue, mask_quoted

ERROR = "错误"
WARNING = "警告"
NOTICE = "提示"  # nothing is wrong; the teacher is told a better way (never counts as an error)


@dataclass(frozen=True)
class FindingType:
    """One kind of problem: what it is called and how its message reads."""

    code: str
    severity: str
    title: str
    template: str


def _types(*rows: tuple[str, str, str, str]) -> dict[str, FindingType]:
    return {code: FindingType(code, sev, title, tpl) for code, sev, title, tpl in rows}


CATALOG: dict[str, FindingType] = _types(
    # cell values that cannot be read as their column's type (normalization)
    ("required-missing", ERROR, "必填项为空", "「{column}」必须填写，请补上。"),
    (
        "date-invalid",
        ERROR,
        "日期无法识别",
        "日期「{value}」无法识别，请按 2026-09-01 的格式填写。",
    ),
    (
        "date-year-inferred",
        WARNING,
        "日期没有写年份",
        "日期「{value}」没有写年份，已按 {school_year} 学年算作 {year} 年（{iso}）。"
        "请补上年份，写成 {iso}。",
    ),
    (
        "id-damaged",
        ERROR,
        "身份证号已被 Excel 改坏",
        "身份证号「{value}」已被 Excel 当成数字，后几位已经丢失。请把这一列设为“文本”格式，"
        "再照户口本重新输入。",
    ),
    (
        "choice-invalid",
        ERROR,
        "不是可选项",
        "「{value}」不是「{column}」的可选项，请从下拉中选择：{choices}。",
    ),
    (
        "choice-synonym",
        WARNING,
        "写法不规范",
        "「{value}」已按「{normalized}」处理，请改为下拉中的「{normalized}」。",
    ),
    (
        "int-invalid",
        ERROR,
        "不是合理的整数",
        "「{column}」应填 {low}–{high} 的整数，「{value}」不符合，请核对。",
    ),
    (
        "cell-error",
        ERROR,
        "公式出错",
        "单元格显示公式错误「{value}」，请改正公式，或直接填写内容。",
    ),
    (
        "text-too-long",
        WARNING,
        "内容过长",
        "「{column}」有 {length} 个字，超过 {limit} 字，请精简。",
    ),
    (
        "column-missing",
        ERROR,
        "缺少必填列",
        "「{sheet}」表没有「{column}」列，请按模板补上这一列的表头。",
    ),
    # rules on one row
    (
        "required-conditional",
        ERROR,
        "条件必填项为空",
        "{condition}时，「{column}」必须填写，请补上。",
    ),
    ("name-length", ERROR, "姓名长度不对", "姓名「{value}」应为 2–20 个字，请核对。"),
    (
        "id-format",
        ERROR,
        "身份证号格式不对",
        "身份证号「{value}」应为 18 位：前 17 位是数字，最后一位是数字或 X，请核对。",
    ),
    ("id-checksum", ERROR, "身份证号校验码不对", "身份证号第18位校验码应为 {expected}，请核对。"),
    (
        "id-birth-mismatch",
        ERROR,
        "身份证号与出生日期不符",
        "身份证号中的出生日期是 {id_birth}，而「出生日期」填的是 {birth}，请核对。",
    ),
    (
        "id-sex-mismatch",
        ERROR,
        "身份证号与性别不符",
        "身份证号第17位表示「{id_sex}」，而「性别」填的是「{sex}」，请核对。",
    ),
    (
        "student-no-format",
        ERROR,
        "学籍号格式不对",
        "学籍号「{value}」应为 G、L 或 J 开头，后跟 18 位，请核对。",
    ),
    (
        "phone-invalid",
        ERROR,
        "电话号码不对",
        "电话「{value}」不是有效号码：手机应为 1 开头的 11 位，固话应为 0 开头的区号加 7–8 位号码"
        "（如 0731-84561234）。",
    ),
    ("date-future", ERROR, "日期在将来", "「{column}」是 {value}，晚于今天（{as_of}），请核对。"),
    (
        "date-before-filing",
        ERROR,
        "记录早于建档",
        "这条记录的日期 {value} 早于该生的建档日期 {filed}，请核对日期或建档日期。",
    ),
    # rules across rows, sheets and files
    (
        "record-child-unknown",
        ERROR,
        "记录找不到学生",
        "学生档案中没有「{value}」{detail}，请核对姓名，或先在学生档案中登记。",
    ),
    (
        "roster-id-mismatch",
        ERROR,
        "身份证号与帮扶记录不一致",
        "帮扶记录{rows}写的身份证号是「{written}」（{differ}），与这里的「{value}」不一致"
        "（已按姓名算作同一名学生）。{advice}",
    ),
    (
        "roster-id-missing",
        WARNING,
        "学生档案缺身份证号",
        "帮扶记录{rows}写了该生的身份证号「{written}」，这里却空着，请照户口本核对后补上。",
    ),
    (
        "record-id-mismatch",
        ERROR,
        "记录的身份证号与学生档案不符",
        "学生档案中「{name}」的身份证号是「{id}」，这一行写的是「{value}」"
        "（已按姓名算作该生），请核对。",
    ),
    (
        "roster-name-mismatch",
        ERROR,
        "姓名与帮扶记录不一致",
        "帮扶记录{rows}按该生的身份证号记的姓名是「{written}」，与这里的「{value}」不同"
        "（已按身份证号算作同一名学生），请核对哪一处写错。",
    ),
    (
        "record-name-mismatch",
        ERROR,
        "记录的姓名与学生档案不符",
        "这一行的身份证号是学生档案中「{name}」的，姓名却写的是「{value}」"
        "（已按身份证号算作该生），请核对。",
    ),
    (
        "record-child-ambiguous",
        ERROR,
        "同名学生无法区分",
        "学生档案中有 {count} 名学生叫「{value}」，请在这一行填上该生的身份证号以区分。",
    ),
    (
        "teacher-unknown",
        ERROR,
        "不是本校教师",
        "「{value}」不在全校汇总的 教师 表中，请核对姓名，或请德育处把该教师加入 教师 表。",
    ),
    (
        "study-plan-missing",
        ERROR,
        "学困生缺少学业帮扶计划",
        "「{name}」学业情况为 差（学困生），请在 学业帮扶计划 表中为该生填写计划。",
    ),
    (
        "plan-child-unknown",
        ERROR,
        "计划找不到学生",
        "学生档案中没有「{value}」，请核对学业帮扶计划中的姓名。",
    ),
    (
        "child-duplicate",
        ERROR,
        "学生重复登记",
        "该生与第 {other_row} 行是同一名学生（{reason}），请删除重复的一行。",
    ),
    # ---- issue 19.5: 缺勤与劝返 (控辍保学)
    (
        "absence-child-unknown",
        ERROR,
        "缺勤记录找不到学生",
        "学生档案中没有「{value}」，请核对 缺勤与劝返 表中的姓名，或先在学生档案中登记该生。",
    ),
    (
        "absence-child-ambiguous",
        ERROR,
        "缺勤记录的同名学生无法区分",
        "学生档案中有 {count} 名学生叫「{value}」，缺勤与劝返 表分不清是哪一位。"
        "请在学生档案和这一行把姓名写得能区分（如 王明（大）、王明（小））。",
    ),
    (
        "absence-date-order",
        ERROR,
        "日期早于缺勤开始",
        "「{column}」{value} 早于缺勤开始日期 {start}，请核对这两个日期。",
    ),
    (
        "absence-days-beyond",
        WARNING,
        "缺勤天数超过了到今天的天数",
        "从缺勤开始到今天只有 {since} 天，「缺勤天数」却填了 {value} 天。"
        "还没返校的，请填到今天为止的天数。",
    ),
    (
        "absence-outcome-undated",
        WARNING,
        "劝返结果没有日期",
        "结果是 {outcome}，请在「劝返日期」填写知道这个结果的那天"
        "（控辍保学月报按这一天计月份，未返校的书面报告期限也从这一天算）。",
    ),
    (
        "absence-status-mismatch",
        WARNING,
        "在校状态与劝返结果不一致",
        "缺勤与劝返 表第 {row} 行（该生最近一次缺勤）的结果是 未返校，这里的在校状态却是 在读。"
        "学生已辍学的，请把在校状态改为 辍学；已返校的，请把那一行的结果改为 返校 并填写劝返日期。",
    ),
    (
        "dropout-unrecorded",
        WARNING,
        "辍学学生没有劝返记录",
        "在校状态为 辍学，但 缺勤与劝返 表中没有该生的记录。控辍保学要求记录每一次劝返："
        "请在 缺勤与劝返 表补一行（缺勤开始日期、缺勤天数、劝返措施、劝返日期、结果）。",
    ),
    # whole files, in the master's 校验问题 (consolidation)
    ("file-unreadable", ERROR, "台账无法读取", "{reason}"),
    ("file-stale", WARNING, "使用了旧数据", "旧数据：本次使用上次汇总时读到的数据。原因：{reason}"),
    (
        "child-conflict",
        ERROR,
        "学生在两个班",
        "{reason}也登记在「{other_file}」第 {other_row} 行。如果学生已转班，请在原班把在校状态改为 转出。",
    ),
    # ---- issue 19.3: categories as used now
    (
        "term-renamed",
        NOTICE,
        "旧的叫法",
        "「{old}」现在的规范叫法是「{new}」，已按「{new}」处理。下次请从下拉中选择「{new}」，"
        "这一格可改为「{normalized}」。",
    ),
    (
        "disability-details-missing",
        WARNING,
        "残疾儿童缺残疾类别或等级",
        "儿童类别含 残疾儿童，请照残疾证填写「{column}」。没有残疾证的，请在 备注 中写明"
        "（如“未办残疾证”）。",
    ),
    # ---- issue 19.6: seed rules the schema missed
    (
        "teacher-overloaded",
        WARNING,
        "教师结对学生过多",
        "「{value}」在本班结对了 {count} 名学生，超过每名教师最多 {limit} 名（篇四：每名教职工"
        "结对帮扶 4–6 名）。请把多出的学生改由其他教师结对；上限可在全校汇总 学校信息 的"
        "「每名教师最多结对人数」调整。",
    ),
    (
        "teacher-overloaded-school",
        WARNING,
        "教师全校结对学生过多",
        "「{value}」在全校共结对了 {count} 名学生（{classes}），超过每名教师最多 {limit} 名"
        "（篇四：每名教职工结对帮扶 4–6 名）。请德育处与各班商量，把多出的学生改由其他教师结对。",
    ),
    (
        "study-helper-missing",
        WARNING,
        "学困生没有学习帮手",
        "「{name}」是学困生，已有学业帮扶计划，但没有学习帮手（篇一：每个帮扶学生由老师牵头"
        "确立一名学习帮手）。请在这一格或 学业帮扶计划 的「学习帮手」列填写帮他学习的同学。",
    ),
    # issue 19.7: a workbook made by an earlier template (one per file)
    (
        "template-outdated",
        NOTICE,
        "台账是旧版模板",
        "「{name}」是旧版模板做的，还没有新版的 {missing}。这些都是选填的，现在照常校验和汇总；"
        "要填写时，{how}",
    ),
    # issue 19.1: guardianship (未成年人保护法 2020 第十一、二十二、二十三条)
    (
        "guardian-none",
        ERROR,
        "无人监护：强制报告",
        "监护人关系写的是「无人监护」：孩子没有人照看，属于必须立即报告的情形"
        "（未成年人保护法第十一条，强制报告）。请今天就向当地公安机关、民政部门报告，"
        "在「安全事件」表记一行（发现日期、报告对象、报告时间），并联系父母落实委托照护人；"
        "有人照看后，把监护人改成实际照看孩子的人。",
    ),
    (
        "guardian-carer-missing",
        ERROR,
        "父母不在身边却没有照护人",
        "{why}，却没有写明由哪位成年人照看孩子（未成年人保护法第二十二条：父母外出务工要委托"
        "有照护能力的成年人代为照护）。请向父母问清受委托的照护人，填写「委托照护人」及其关系、电话；"
        "如果确实没有人照看，请按强制报告立即报告公安、民政并记入「安全事件」表。",
    ),
    (
        "guardian-carer-minor",
        WARNING,
        "照护人未满 18 周岁",
        "{who}截至 {as_of} 只有 {age} 岁，未满 18 周岁（未成年人保护法第二十二条要求委托"
        "完全民事行为能力的成年人照护）。请联系父母另行委托一位成年人，并更新照护人信息。",
    ),
    (
        "guardian-notice-missing",
        WARNING,
        "缺委托照护书面告知",
        "{why}，学校还没有收到父母委托照护的书面告知（未成年人保护法第二十三条），"
        "应在 {due} 前收到{late}。请联系父母写明委托给谁照护、联系方式，交到学校后在这里填上收到的日期。",
    ),
    # issue 19.2: the two 留守 definitions
    (
        "month-invalid",
        ERROR,
        "年月无法识别",
        "「{value}」无法识别为年月，请写成 2025-03 这样的年月（只写到月）。",
    ),
    (
        "left-behind-turns-16",
        WARNING,
        "满 16 周岁，不再算民政口径留守儿童",
        "该生 {birthday} 满 16 周岁，从这天起不再属于民政口径的农村留守儿童"
        "（国务院国发〔2016〕13号：不满十六周岁）。请告知村（居）儿童主任更新民政的登记；"
        "学校的帮扶照常进行（学籍口径仍按父母外出算）。",
    ),
    (
        "left-behind-type-mapped",
        NOTICE,
        "留守类型已换算",
        "「留守类型」为「{value}」，已按{who}外出、外出起始年月不详计算两种留守口径"
        "（不详按已满 {months} 个月算）。请填写{columns}，写到年月，如 2025-03。",
    ),
    (
        "left-behind-type-legacy",
        NOTICE,
        "旧台账按留守类型换算",
        "这份台账没有「父亲外出起始年月」「母亲外出起始年月」列：{count} 名学生的两种留守口径按"
        "「留守类型」换算，外出起始年月不详按已满 {months} 个月算。用 xlsync upgrade 加上新列后，"
        "请逐人填写父母外出起始年月和户口性质。",
    ),
    (
        "left-behind-type-differs",
        NOTICE,
        "留守类型与外出起始年月不一致",
        "「留守类型」写的是「{value}」，外出起始年月填的是{who}外出；两种留守口径以外出起始年月为准。"
        "请核对后改正其中一处。",
    ),
)


@dataclass(frozen=True)
class Finding:
    """One problem at one place; `row` is the Excel row number, `column` the header text.
    `value` and `message` are as typed; `details` fill the message template again when masked."""

    code: str
    severity: str
    file: str
    sheet: str
    row: int | None
    column: str
    cell: str
    value: str
    message: str
    details: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON fields (without `details`), as the finding holds them."""
        found = asdict(self)
        del found["details"]
        return found

    def masked(self) -> Finding:
        """The finding as it may leave the school: the value and everything the message quotes
        masked by what it is (IDs and 学籍号 keep only their shape, birth dates the year)."""
        value = mask_quoted(self.value, self.column)
        details = {key: mask_detail_value(key, text) for key, text in self.details}
        message = _message(self.code, value, self.column, details)
        return replace(self, value=value, message=message, details=())


@dataclass(frozen=True)
class Place:
    """Where a finding points: file, sheet, Excel row, header text, cell address."""

    file: str
    sheet: str
    row: int | None = None
    column: str = ""
    cell: str = ""


def make_finding(code: str, place: Place, value: object = "", **details: object) -> Finding:
    """Build a finding of kind `code` at `place`, filling the message template as typed."""
    kind = CATALOG[code]
    shown = display_value(value)
    kept = {key: str(given) for key, given in details.items()}
    return Finding(
        kind.code,
        kind.severity,
        place.file,
        place.sheet,
        place.row,
        place.column,
        place.cell,
        shown,
        _message(code, shown, place.column, kept),
        tuple(kept.items()),
    )


def _message(code: str, value: str, column: str, details: dict[str, str]) -> str:
    return CATALOG[code].template.format(value=value, column=column, **details)


def mask_issue_row(value: Any, column: str, message: str, code: str) -> tuple[Any, str]:
    """A 校验问题 row's 内容 and 问题与改法 as the sync and export send them: the message read
    back into its code's template and rendered again from masked parts, so the template's own
    text (an example number, the as-of date) is kept; a message that does not read as its
    template (a master written by another version) is masked as text (`mask_issue`)."""
    parts = _parsed(code, message)
    if parts is None:
        return mask_issue(value, column, message, code)
    shown = mask_quoted("" if value is None else str(value), column)
    details = {k: mask_detail_value(k, v) for k, v in parts.items() if k not in ("value", "column")}
    return (shown or value), _message(code, shown, column, details)


def _parsed(code: str, message: str) -> dict[str, str] | None:
    """The placeholders of `code`'s template as they read in `message`, or None."""
    kind = CATALOG.get(code)
    if kind is None:
        return None
    pattern, seen = "", set()
    for literal, name, _, _ in string.Formatter().parse(kind.template):
        pattern += re.escape(literal)
        if name:
            pattern += f"(?P={name})" if name in seen else f"(?P<{name}>.*?)"
            seen.add(name)
    found = re.fullmatch(pattern, message, re.DOTALL)
    return found.groupdict() if found else None


_NUMBER_TAIL = re.compile(r"[\d\s\-.*Xx+０-９]+$")


def display_value(value: object, limit: int = 60) -> str:
    """A cell value as typed, cut for a message; a cut never ends inside a number, so no
    fragment of an ID or phone is left that masking would not recognise as one."""
    if value is None:
        return ""
    text = str(value)
    if len(text) <= limit:
        return text
    return _NUMBER_TAIL.sub("", text[:limit]) + "…"


@dataclass
class Report:
    """Findings of one run, plus a per-file summary; the CLI exit code comes from here."""

    findings: list[Finding] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def to_dict(self) -> dict[str, Any]:
        """The JSON of `validate`: it is read by scripts and pasted anywhere, so it is masked."""
        return {"files": self.files, "issues": [f.masked().to_dict() for f in self.findings]}
