"""The one declarative description of every sheet and column xlsync knows (DESIGN §2, §3).

Templates, the reader, validation, drop-downs and the README tables are all derived from
the objects below; no other module spells out a header list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property


class Kind(StrEnum):
    """How a column's cells are typed and checked."""

    TEXT = "文本"
    NAME = "姓名"
    NAMES = "姓名（可多名）"  # a record for a group: several names separated by 、，, or spaces
    DATE = "日期"
    ENUM = "选项"
    MULTI = "多选"
    PHONE = "电话"
    ID_CARD = "身份证号"
    STUDENT_NO = "学籍号"
    INT = "整数"
    MONTH = "年月"  # issue 19.2: a month such as 2025-03 (外出起始年月), stored as text


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its header, how it is typed, and the hint a teacher sees."""

    header: str
    kind: Kind = Kind.TEXT
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    synonyms: dict[str, str] = field(default_factory=dict)
    default: str | None = None
    required_if: tuple[str, str] | None = None  # (other header, value it contains)
    min_value: int | None = None
    max_value: int | None = None
    width: int = 12
    hint: str = ""
    example: str = ""
    roster_list: bool = False  # a drop-down of the names in 学生档案 (STUDENT_LIST)
    renamed: dict[str, str] = field(default_factory=dict)  # a former official term → today's
    retired: tuple[str, ...] = ()  # values still read as typed but no longer in the drop-down
    or_filled: tuple[str, ...] = ()  # required_if is also met by any of these being filled
    since: int = 1  # the template version that added the column; later ones are optional

    @property
    def names(self) -> tuple[str, ...]:
        """The header and every alias a reader accepts."""
        return (self.header, *self.aliases)

    @property
    def is_text_stored(self) -> bool:
        """Columns Excel must keep as text, or it turns 18-digit IDs into 4.30E+17."""
        return self.kind in (Kind.PHONE, Kind.ID_CARD, Kind.STUDENT_NO, Kind.MONTH)


@dataclass(frozen=True)
class Sheet:
    """One sheet: its name, its columns in template order, and a sentence for 说明."""

    name: str
    columns: tuple[Column, ...]
    purpose: str
    defaults: tuple[tuple[str, ...], ...] = ()
    rows: int = 1000  # data rows under the header that templates give drop-downs and checks
    since: int = 1  # the template version that added the sheet; a workbook may lack later ones

    @cached_property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)  # made once: read for every row of 汇总

    def column(self, header: str) -> Column:
        for col in self.columns:
            if col.header == header:
                return col
        raise KeyError(header)

    @property
    def alias_map(self) -> dict[str, str]:
        """Every accepted header text (normalized) → canonical header."""
        return {name: col.header for col in self.columns for name in col.names}


TEMPLATE_VERSION = 2
"""Version 2 (issue 19) added guardianship, the two 留守 definitions, 安全事件 and 缺勤与劝返.
Every column and sheet with `since` > 1 is optional: a workbook made by an earlier template
reads as before, and `xlsync upgrade` adds what it lacks."""

YES_NO = ("是", "否")
YES_NO_SYNONYMS = {
    "Y": "是",
    "y": "是",
    "N": "否",
    "n": "否",
    "√": "是",
    "×": "否",
    "有": "是",
    "无": "否",
    "yes": "是",
    "no": "否",
}
SEX_SYNONYMS = {
    "男生": "男",
    "男孩": "男",
    "M": "男",
    "m": "男",
    "女生": "女",
    "女孩": "女",
    "F": "女",
    "f": "女",
}
CHILD_CATEGORIES = (
    "留守儿童",
    "孤儿",
    "事实无人抚养儿童",  # issue 19.3: 民发〔2019〕62号 (formerly 事实孤儿)
    "残疾儿童",
    "单亲家庭",
    "残疾人家庭",
    "脱贫户",  # issue 19.3: 建档立卡贫困家庭 since 脱贫攻坚 ended (2021)
    "低保",
    "特困",
    "其他困境儿童",
)
CATEGORY_RENAMED = {  # issue 19.3: former official terms, read as today's with a 提示
    "建档立卡贫困家庭": "脱贫户",
    "建档立卡": "脱贫户",
    "建档立卡户": "脱贫户",
    "建档立卡贫困户": "脱贫户",
    "贫困户": "脱贫户",
    "事实孤儿": "事实无人抚养儿童",
}
CATEGORY_SYNONYMS = {
    "低保户": "低保",
    "低保家庭": "低保",
    "特困供养": "特困",
    "特困人员": "特困",
    "特困供养人员": "特困",
}
DISABLED_CHILD = "残疾儿童"
LEFT_BEHIND = "留守儿童"
MULTI_SEPARATORS = "、,，;；/ "
ACTION_TYPES = (
    "谈心",
    "家访",
    "家长通话",
    "亲情电话",
    "学业辅导",
    "送温暖",
    "节日慰问",
    "代理家长",
    "心理疏导",
    "其他",
)
DISABILITY_KINDS = ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")  # GB/T 26341-2010
DISABILITY_GRADES = ("一级", "二级", "三级", "四级")
DISABILITY_GRADE_SYNONYMS = {
    **{f"{n}": g for n, g in zip("1234", DISABILITY_GRADES, strict=True)},
    **{f"{n}级": g for n, g in zip("1234", DISABILITY_GRADES, strict=True)},
    **{g[0]: g for g in DISABILITY_GRADES},
}
NO_GUARDIAN = "无人监护"
PHONE_HINT = "手机 11 位（如 13812345678），或固话 0 + 区号 - 号码（如 0731-84561234）"

# ---------------------------------------------------------------- class workbook (§2)

# ---- issue 19.1: guardianship block of 学生档案 (未成年人保护法 2020 第二十二、二十三条)
CARER_RELATIONS = ("祖父母", "外祖父母", "兄姐", "其他亲属", "邻居或朋友", "其他")
GUARDIANSHIP_COLUMNS = (
    Column(
        "委托照护人",
        Kind.TEXT,
        width=11,
        since=2,
        hint="父母都外出（或一方外出、另一方无监护能力）时，受委托照看孩子的成年人姓名",
        example="王德贵",
    ),
    Column(
        "委托照护人关系",
        Kind.ENUM,
        choices=CARER_RELATIONS,
        synonyms={"爷爷": "祖父母", "奶奶": "祖父母", "外公": "外祖父母", "外婆": "外祖父母"},
        width=13,
        since=2,
        example="祖父母",
    ),
    Column(
        "委托照护人身份证号",
        Kind.ID_CARD,
        width=21,
        since=2,
        hint="18 位；用来核对照护人已满 18 周岁",
        example="431122196205080430",
    ),
    Column("委托照护人电话", Kind.PHONE, width=14, since=2, hint=PHONE_HINT, example="13712345678"),
    Column(
        "委托照护人住址",
        Kind.TEXT,
        width=24,
        since=2,
        hint="孩子不住在家里时填写照护人的住址",
        example="",
    ),
    Column(
        "委托书面告知学校日期",
        Kind.DATE,
        width=14,
        since=2,
        hint="父母把委托照护情况书面告知学校的日期（第二十三条）",
        example="2024-03-01",
    ),
    Column(
        "监护情况评估",
        Kind.ENUM,
        choices=("较好", "一般", "差"),
        width=12,
        since=2,
        example="一般",
    ),
    Column(
        "另一方无监护能力",
        Kind.ENUM,
        choices=YES_NO,
        synonyms=YES_NO_SYNONYMS,
        width=14,
        since=2,
        hint="父母一方外出、留在家的一方因重病、重残等不能照看孩子时填 是",
        example="否",
    ),
    Column(
        "无监护能力原因",
        Kind.ENUM,
        choices=("重病", "重残", "其他"),
        width=13,
        since=2,
        hint="另一方无监护能力为 是 时填写",
        example="",
    ),
)

# ---- issue 19.2: 父母外出 per parent and 户口性质 (the two 留守 definitions are computed)
MONTH_HINT = "写到年月，如 2025-03；父亲（母亲）没有外出就空着"
RURAL, URBAN = "农村", "城镇"
LEFT_BEHIND_COLUMNS = (
    Column("父亲外出起始年月", Kind.MONTH, width=14, since=2, hint=MONTH_HINT, example="2024-02"),
    Column("母亲外出起始年月", Kind.MONTH, width=14, since=2, hint=MONTH_HINT, example="2024-02"),
    Column(
        "户口性质",
        Kind.ENUM,
        choices=(RURAL, URBAN),
        synonyms={
            "农业": RURAL,
            "农业户口": RURAL,
            "农村户口": RURAL,
            "非农业": URBAN,
            "非农业户口": URBAN,
            "城镇户口": URBAN,
            "城市": URBAN,
        },
        width=9,
        since=2,
        hint="户籍在农村还是城镇（旧的 农业/非农业 也认）",
        example=RURAL,
    ),
)

# ---- issue 20.1: the 联系卡 fields of 学生档案 (篇三 "家长务工单位详细地址、联系电话，监护人
# 职业、身体状况"). Optional, since 2. 父亲务工地 / 母亲务工地 stay free text read as typed.
HEALTH = ("健康", "一般", "较差", "患病或残疾")
CONTACT_COLUMNS = (
    Column(
        "父亲务工单位及地址",
        Kind.TEXT,
        width=30,
        since=2,
        hint="务工单位名称、详细地址和单位电话（联系卡上用）",
        example="东莞市长安镇某电子厂（长安镇振安路8号）0769-85551234",
    ),
    Column(
        "母亲务工单位及地址",
        Kind.TEXT,
        width=30,
        since=2,
        hint="务工单位名称、详细地址和单位电话（联系卡上用）",
        example="义乌市某小商品公司（稠城街道工人北路3号）",
    ),
    Column(
        "监护人职业", Kind.TEXT, width=11, since=2, hint="如 务农、个体、打零工", example="务农"
    ),
    Column(
        "学生健康状况",
        Kind.ENUM,
        width=12,
        since=2,
        choices=HEALTH,
        hint="从下拉中选择；患病或残疾时在 备注 中写明",
        example="健康",
    ),
)

STUDENTS = Sheet(
    name="学生档案",
    purpose="每名帮扶学生一行。橙色表头的列必须填写；有下拉箭头的列请从下拉中选择。",
    columns=(
        Column(
            "姓名",
            Kind.NAME,
            True,
            aliases=("学生姓名",),
            width=10,
            hint="学生姓名，2–20 个字",
            example="王小明",
        ),
        Column(
            "性别",
            Kind.ENUM,
            True,
            choices=("男", "女"),
            synonyms=SEX_SYNONYMS,
            width=6,
            hint="从下拉中选择 男 或 女",
            example="男",
        ),
        Column(
            "出生日期",
            Kind.DATE,
            True,
            width=12,
            hint="按 2015-03-01 的格式填写",
            example="2015-03-01",
        ),
        Column(
            "身份证号",
            Kind.ID_CARD,
            width=21,
            hint="18 位，最后一位可以是 X；可不填",
            example="430102201503010155",
        ),
        Column(
            "学籍号",
            Kind.STUDENT_NO,
            width=21,
            hint="G、L 或 J 开头，后跟 18 位；可不填",
            example="G430102201503010155",
        ),
        Column(
            "儿童类别",
            Kind.MULTI,
            True,
            choices=CHILD_CATEGORIES,
            synonyms=CATEGORY_SYNONYMS,
            renamed=CATEGORY_RENAMED,
            width=16,
            hint="可多选，用顿号分隔，如 留守儿童、单亲家庭",
            example="留守儿童",
        ),
        Column(
            "留守类型",
            Kind.ENUM,
            choices=("父母均外出", "父亲外出", "母亲外出"),
            required_if=("儿童类别", LEFT_BEHIND),
            or_filled=("父亲外出起始年月", "母亲外出起始年月"),  # issue 19.2
            width=11,
            hint="儿童类别含 留守儿童 时必填（已填父亲或母亲外出起始年月时可不填）",
            example="父母均外出",
        ),
        Column("父亲姓名", Kind.TEXT, width=10, example="王大山"),
        Column("父亲电话", Kind.PHONE, width=14, hint=PHONE_HINT, example="13812345678"),
        Column("父亲务工地", Kind.TEXT, width=14, example="广东东莞"),
        Column("母亲姓名", Kind.TEXT, width=10, example="李春花"),
        Column("母亲电话", Kind.PHONE, width=14, hint=PHONE_HINT, example="13987654321"),
        Column("母亲务工地", Kind.TEXT, width=14, example="浙江义乌"),
        Column("监护人姓名", Kind.TEXT, True, width=11, example="王德贵"),
        Column(
            "监护人关系",
            Kind.ENUM,
            True,
            width=11,
            choices=("祖父母", "外祖父母", "父亲", "母亲", "其他亲属", "委托监护人"),
            retired=(NO_GUARDIAN,),  # issue 19.1: read, and reported as a 强制报告 situation
            synonyms={
                "爷爷": "祖父母",
                "奶奶": "祖父母",
                "爷爷奶奶": "祖父母",
                "外公": "外祖父母",
                "外婆": "外祖父母",
                "外公外婆": "外祖父母",
                "爸爸": "父亲",
                "妈妈": "母亲",
            },
            example="祖父母",
        ),
        Column("监护人电话", Kind.PHONE, True, width=14, hint=PHONE_HINT, example="0731-84561234"),
        Column(
            "监护人年龄",
            Kind.INT,
            min_value=16,
            max_value=100,
            width=10,
            hint="16–100 的整数",
            example="66",
        ),
        Column(
            "监护人文化程度",
            Kind.ENUM,
            width=13,
            choices=("文盲", "小学", "初中", "高中或中专", "大专及以上"),
            synonyms={
                "高中": "高中或中专",
                "中专": "高中或中专",
                "大专": "大专及以上",
                "本科": "大专及以上",
                "大学": "大专及以上",
            },
            example="小学",
        ),
        Column(
            "监护人健康状况",
            Kind.ENUM,
            width=13,
            choices=("健康", "一般", "较差", "患病或残疾"),
            example="一般",
        ),
        Column("家庭住址", Kind.TEXT, True, width=28, example="某某县某某镇某某村3组"),
        Column(
            "学业情况",
            Kind.ENUM,
            width=9,
            choices=("优", "良", "中", "差"),
            hint="差 = 学困生，需在 学业帮扶计划 表中填写计划",
            example="中",
        ),
        Column(
            "重点帮扶",
            Kind.ENUM,
            width=9,
            choices=YES_NO,
            synonyms=YES_NO_SYNONYMS,
            default="否",
            example="否",
        ),
        Column(
            "帮扶教师",
            Kind.NAME,
            True,
            width=10,
            hint="本校教师姓名（全校汇总 教师 表中的姓名）",
            example="张老师",
        ),
        Column("学习帮手", Kind.TEXT, width=10, hint="帮助学习的同学", example="李华"),
        Column(
            "建档日期",
            Kind.DATE,
            True,
            width=12,
            hint="建立档案的日期，不能晚于今天",
            example="2026-09-01",
        ),
        Column(
            "在校状态",
            Kind.ENUM,
            True,
            width=9,
            choices=("在读", "转出", "休学", "辍学", "毕业"),
            default="在读",
            example="在读",
        ),
        Column("备注", Kind.TEXT, width=20),
        # ---- issue 19.3: categories as used now (寄宿, 残疾 with 类别 and 等级, 重病)
        Column(
            "寄宿",
            Kind.ENUM,
            choices=("走读", "住校"),
            synonyms={"住宿": "住校", "寄宿": "住校", "住读": "住校", "不住校": "走读"},
            width=7,
            hint="走读 或 住校",
            example="走读",
            since=2,
        ),
        Column(
            "残疾类别",
            Kind.ENUM,
            choices=DISABILITY_KINDS,
            synonyms={f"{kind}残疾": kind for kind in DISABILITY_KINDS},
            width=9,
            hint="儿童类别含 残疾儿童 时，照残疾证填写",
            example="",
            since=2,
        ),
        Column(
            "残疾等级",
            Kind.ENUM,
            choices=DISABILITY_GRADES,
            synonyms=DISABILITY_GRADE_SYNONYMS,
            width=9,
            hint="儿童类别含 残疾儿童 时，照残疾证填写（一级最重）",
            example="",
            since=2,
        ),
        Column(
            "重病",
            Kind.TEXT,
            width=12,
            hint="没有填 否；有重病的写病名（如 白血病），不清楚病名写 是",
            example="否",
            since=2,
        ),
        # ---- issue 19.6: 篇三 留守儿童基本信息摸底更新, each term within two weeks of its start
        Column(
            "最近核实日期",
            Kind.DATE,
            width=12,
            hint="每学期开学两周内与家长核实一次学生信息，核实后填当天日期",
            example="",
            since=2,
        ),
        # ---- issue 19.1: guardianship (未成年人保护法 第二十二、二十三条); all optional, since 2
        *GUARDIANSHIP_COLUMNS,
        # ---- issue 19.2: the facts the two 留守 definitions are computed from; optional, since 2
        *LEFT_BEHIND_COLUMNS,
        # ---- issue 20.1: the 联系卡 fields; all optional, since 2
        *CONTACT_COLUMNS,
    ),
)

RECORDS = Sheet(
    name="帮扶记录",
    purpose="每次帮扶活动（谈心、家访、电话、送温暖……）记一行。",
    rows=5000,  # a class of 50 with weekly calls logs about 3,000 a school year
    columns=(
        Column(
            "日期", Kind.DATE, True, width=12, hint="按 2026-09-01 的格式填写", example="2026-09-15"
        ),
        Column(
            "学生姓名",
            Kind.NAMES,
            True,
            aliases=("姓名",),
            width=10,
            hint="与 学生档案 中的姓名一致；一次活动有几名学生时，用「、」隔开写在一行",
            example="王小明",
            roster_list=True,
        ),
        Column(
            "身份证号", Kind.ID_CARD, width=21, hint="班上有同名学生时填写，用来区分", example=""
        ),
        Column(
            "帮扶类型",
            Kind.ENUM,
            True,
            choices=ACTION_TYPES,
            width=11,
            synonyms={
                "谈话": "谈心",
                "上门家访": "家访",
                "电话家访": "家长通话",
                "视频通话": "亲情电话",
                "辅导": "学业辅导",
            },
            example="谈心",
        ),
        Column("帮扶教师", Kind.NAME, True, width=10, example="张老师"),
        Column(
            "内容摘要",
            Kind.TEXT,
            required_if=("帮扶类型", "谈心|家访"),
            width=36,
            hint="谈心、家访必须写明主题和记录",
            example="谈学习习惯，约定每天读书20分钟",
        ),
        Column("效果与跟进", Kind.TEXT, width=28, example="下周检查读书记录"),
    ),
)

STUDY_PLANS = Sheet(
    name="学业帮扶计划",
    purpose="学业情况为 差 的每名学生（学困生）至少一行学业帮扶计划。",
    columns=(
        Column(
            "学生姓名",
            Kind.NAME,
            True,
            aliases=("姓名",),
            width=10,
            example="王小明",
            roster_list=True,
        ),
        Column("科目", Kind.TEXT, True, width=8, example="数学"),
        Column("现状分析", Kind.TEXT, width=28, example="计算不熟练，应用题读不懂"),
        Column("目标", Kind.TEXT, width=20, example="期末数学及格"),
        Column("措施", Kind.TEXT, width=28, example="每周两次课后辅导"),
        Column("时间安排", Kind.TEXT, width=16, example="每周二、四 16:30"),
        Column("阶段性效果", Kind.TEXT, width=20, example=""),
        Column("学习帮手", Kind.TEXT, width=10, example="李华"),
    ),
)

# ---- issue 19.4: 强制报告 (未成年人保护法 第十一条). Columns refined by its point's work.
INCIDENTS = Sheet(
    name="安全事件",
    purpose="发现学生受到侵害、面临危险或无人监护时记一行，当天报告（强制报告），"
    "报告后填上报告对象和报告时间。没有报告时间的一行一直算作“已逾期”。",
    since=2,
    columns=(
        Column(
            "发现日期",
            Kind.DATE,
            True,
            width=12,
            hint="按 2026-09-01 的格式填写",
            example="2026-10-12",
        ),
        Column("学生姓名", Kind.NAME, True, width=10, example="王小明", roster_list=True),
        Column(
            "发现情况",
            Kind.TEXT,
            True,
            width=36,
            hint="看到或听到了什么（时间、地点、经过）",
            example="周末独自在家两天，无人照看",
        ),
        Column(
            "报告对象",
            Kind.MULTI,
            choices=("公安", "民政", "教育局", "村委会"),
            width=14,
            hint="可多选，用顿号分隔，如 公安、民政",
            example="民政、村委会",
        ),
        Column(
            "报告时间",
            Kind.DATE,
            width=12,
            hint="报告的日期。发现当天就要报告；晚于发现日期算迟报，空着算未报告",
            example="2026-10-12",
        ),
        Column(
            "监护人已通知",
            Kind.ENUM,
            choices=YES_NO,
            synonyms=YES_NO_SYNONYMS,
            width=12,
            example="是",
        ),
        Column("处理结果", Kind.TEXT, width=28, example="村委会联系到姑姑临时照看"),
        Column("跟进", Kind.TEXT, width=28, example="一周后家访核实"),
        Column("记录教师", Kind.NAME, width=10, example="张老师"),
    ),
)

# ---- issue 19.5: 控辍保学 (未成年人保护法 第二十八条; 国办发〔2017〕72号). One row per absence
# episode: the 劝返 steps are a dated log in one cell, 劝返日期 is the last of them (the day the
# 结果 was known), and any 家访 made is logged in 帮扶记录 as usual (where the rules count it).
ABSENCES = Sheet(
    name="缺勤与劝返",
    purpose="学生连续缺勤或有辍学风险时记一行（每次缺勤一行），写明劝返经过和结果。"
    "劝返中的家访照常记在 帮扶记录 表。",
    since=2,
    columns=(
        Column(
            "缺勤开始日期",
            Kind.DATE,
            True,
            width=12,
            hint="按 2026-09-01 的格式填写",
            example="2026-11-02",
        ),
        Column("学生姓名", Kind.NAME, True, width=10, example="王小明", roster_list=True),
        Column(
            "缺勤天数",
            Kind.INT,
            True,
            min_value=1,
            max_value=366,
            width=9,
            hint="连续缺勤的天数；还没返校的，填到今天为止的天数",
            example="3",
        ),
        Column("缺勤原因", Kind.TEXT, width=20, example="随父母外出务工"),
        Column(
            "劝返措施",
            Kind.TEXT,
            width=32,
            hint="每次劝返写一句：日期和做法，如 11-04 家访；11-06 电话联系父亲",
            example="11-04 家访；11-06 电话联系父亲",
        ),
        Column(
            "劝返日期",
            Kind.DATE,
            width=12,
            hint="最近一次劝返的日期；结果为 返校 或 未返校 时，填知道结果的那天",
            example="2026-11-06",
        ),
        Column(
            "结果",
            Kind.ENUM,
            choices=("劝返中", "返校", "未返校"),
            default="劝返中",
            width=9,
            hint="空着按 劝返中 算",
            example="劝返中",
        ),
        Column(
            "书面报告日期",
            Kind.DATE,
            width=12,
            hint="劝返无效（未返校）时，向教育行政部门（县教育局）书面报告的日期",
            example="",
        ),
    ),
)

CLASS_SHEETS: tuple[Sheet, ...] = (STUDENTS, RECORDS, STUDY_PLANS, INCIDENTS, ABSENCES)

# ---------------------------------------------------------------- master workbook (§3)

SCHOOL = Sheet(
    name="学校信息",
    purpose="学校的基本设置。每项一行：左边是项目，右边填写内容。",
    columns=(
        Column("项目", Kind.TEXT, True, width=16),
        Column("内容", Kind.TEXT, width=40),
    ),
)
SCHOOL_FIELDS = (
    "学校名称",
    "学年",
    "班级台账目录",
    "Google 表格 ID",
    "凭据文件",
    "同步脱敏",
    "汇总时更新班级台账",
    # ---- issue 19.6
    "每名教师最多结对人数",
    # ---- issue 19.1/19.2 settings (blank: the default in parentheses)
    "学籍留守外出月数",  # 3; some provinces count 6
    "委托书面告知期限天数",  # 30
    # ---- issue 23: how the county identifies the school (教育部 10-digit code; optional)
    "学校代码",
)
PAIRING_LIMIT_SETTING = "每名教师最多结对人数"  # 篇四: 每一名教职工结对帮扶 4——6 名
PAIRING_LIMIT_DEFAULT = 6
# ---- issue 19.7: the 学校信息 rows of template version 1; every row after them came later
# (append new settings at the end of SCHOOL_FIELDS), and `xlsync upgrade` adds them.
FIRST_SCHOOL_FIELDS = SCHOOL_FIELDS[:7]

TERMS = Sheet(
    name="学期",
    purpose="每个学期一行；不在任何学期内的日子算假期。",
    columns=(
        Column("学期名称", Kind.TEXT, True, width=16),
        Column("开始日期", Kind.DATE, True, width=12),
        Column("结束日期", Kind.DATE, True, width=12),
    ),
)

TEACHERS = Sheet(
    name="教师",
    purpose="全校参与帮扶的教师。每名班主任和党员教师至少结对一名学生。",
    columns=(
        Column("姓名", Kind.NAME, True, width=10),
        Column("班级", Kind.TEXT, width=12),
        Column(
            "职务", Kind.ENUM, True, choices=("班主任", "任课教师", "学校领导", "其他"), width=10
        ),
        Column("党员", Kind.ENUM, choices=YES_NO, synonyms=YES_NO_SYNONYMS, default="否", width=6),
    ),
)

CLASSES = Sheet(
    name="班级",
    purpose="每个班一行；台账来源是班级台账目录下的文件名，或 Google 表格的工作表。",
    columns=(
        Column("班级", Kind.TEXT, True, width=12),
        Column("班主任", Kind.NAME, width=10),
        Column("台账来源", Kind.TEXT, width=30),
    ),
)

EVENT_PERIODS = ("缺勤后", "未返校后")  # issue 19.5: due after a 缺勤与劝返 row, not each period
# 节日: each 节日 date and birthday
PERIODS = ("每周", "每月", "每学期", "每学年", "节日", *EVENT_PERIODS)
REPORT_ACTION = "书面报告"  # issue 19.5: done by 缺勤与劝返's 书面报告日期, not a 帮扶记录 row
TRIGGER_DAYS, VISIT_DAYS, REPORT_DAYS = 3, 2, 30  # issue 19.5: an empty cell's value
EVENT_DEFAULTS: dict[str, tuple[int | None, int]] = {  # (触发缺勤天数, 完成期限天数)
    "缺勤后": (TRIGGER_DAYS, VISIT_DAYS),
    "未返校后": (None, REPORT_DAYS),
}
IN_TERM, VACATION_ONLY, ALL_YEAR = "学期中", "仅假期", "全年"
SEASONS = (IN_TERM, VACATION_ONLY, ALL_YEAR)  # issue 19.6: 适用时段, formerly 假期暂停 是/否
SEASON_RENAMED = {"是": IN_TERM, "否": ALL_YEAR}  # an old master's 假期暂停 reads the same
TARGETS = ("全部", "重点帮扶", "学困生", *CHILD_CATEGORIES)

RULES = Sheet(
    name="帮扶规则",
    purpose="每条规则一行：某类帮扶在每个周期内至少做几次。可以修改、增加或删除。"
    "周期为 节日 时，指 节日 表中每个节日和每名学生的生日，前后 7 天内完成。"
    "周期为 缺勤后 时，缺勤与劝返 表中连续缺勤满 触发缺勤天数 的，在 完成期限天数 内完成；"
    "周期为 未返校后 时，结果为 未返校 的，在 完成期限天数 内交 书面报告。",
    columns=(
        Column("帮扶类型", Kind.ENUM, True, choices=(*ACTION_TYPES, REPORT_ACTION), width=11),
        Column("周期", Kind.ENUM, True, choices=PERIODS, width=9),
        Column("最少次数", Kind.INT, True, min_value=1, max_value=99, width=9),
        Column(
            "适用对象",
            Kind.ENUM,
            True,
            choices=TARGETS,
            synonyms=CATEGORY_SYNONYMS,
            renamed=CATEGORY_RENAMED,
            width=16,
        ),
        Column("提前提醒天数", Kind.INT, True, min_value=0, max_value=366, width=12),
        Column(
            "适用时段",
            Kind.ENUM,
            True,
            aliases=("假期暂停",),
            choices=SEASONS,
            synonyms={
                **{k: SEASON_RENAMED[v] for k, v in YES_NO_SYNONYMS.items()},
                "假期": VACATION_ONLY,
                "寒暑假": VACATION_ONLY,
            },
            renamed=SEASON_RENAMED,
            width=9,
            hint="学期中：假期不算；仅假期：只在寒暑假算；全年：都算",
        ),
        Column("依据", Kind.TEXT, width=40),
        # ---- issue 19.5: the two numbers of a 缺勤后 / 未返校后 rule (empty: the defaults)
        Column(
            "触发缺勤天数",
            Kind.INT,
            min_value=1,
            max_value=60,
            width=12,
            hint="周期为 缺勤后 时：连续缺勤满几天要做",
            since=2,
        ),
        Column(
            "完成期限天数",
            Kind.INT,
            min_value=0,
            max_value=366,
            width=12,
            hint="周期为 缺勤后 或 未返校后 时：之后几天内做完",
            since=2,
        ),
    ),
    defaults=(
        (
            "谈心",
            "每月",
            "1",
            "全部",
            "7",
            "学期中",
            "篇一“四个一”：教师每月至少与帮扶对象谈心一次",
        ),
        ("家长通话", "每月", "1", "全部", "7", "全年", "篇四：每月至少和学生父母通话一次"),
        ("亲情电话", "每周", "1", "留守儿童", "2", "学期中", "篇四、篇九：每周与父母通话一次"),
        ("学业辅导", "每月", "1", "学困生", "7", "学期中", "篇七：每月学习指导1次以上"),
        ("家访", "每学期", "1", "全部", "14", "全年", "篇一：每学期至少上门看望一次"),
        ("代理家长", "每学期", "1", "重点帮扶", "14", "全年", "篇七：周末做留守儿童的“爸爸妈妈”"),
        ("送温暖", "每学年", "1", "全部", "30", "全年", "篇一：每年至少送温暖一次"),
        (
            "节日慰问",
            "节日",
            "1",
            "留守儿童",
            "3",
            "全年",
            "篇七：法定节日和留守儿童生日进行慰问（节日或生日前后 7 天内）",
        ),
        # ---- issue 19.5: 控辍保学
        (
            "家访",
            "缺勤后",
            "1",
            "全部",
            "1",
            "全年",
            "各地控辍保学制度的常见做法：无故连续缺课 3 天，2 天内家访劝返"
            "（未成年人保护法第二十八条：对辍学学生登记并劝返复学）",
            "3",
            "2",
        ),
        (
            "书面报告",
            "未返校后",
            "1",
            "全部",
            "7",
            "全年",
            "未成年人保护法第二十八条：劝返无效的，及时向教育行政部门书面报告（默认 30 天内）",
            "",
            "30",
        ),
    ),
)

HOLIDAYS = Sheet(
    name="节日",
    purpose="节日慰问的日期。学生生日由 出生日期 自动计算，不用填在这里。",
    columns=(
        Column("节日", Kind.TEXT, True, width=12),
        Column("日期", Kind.DATE, True, width=12),
    ),
)

MASTER_CONFIG_SHEETS: tuple[Sheet, ...] = (SCHOOL, TERMS, TEACHERS, CLASSES, RULES, HOLIDAYS)

# ---------------------------------------------------------------- xlsync-owned names

STATUS_SHEET = "逾期提醒"
STUDENT_LIST = "学生名单"
"""The workbook-scoped name of 学生档案's 姓名 cells, which feeds the 学生姓名 drop-downs."""
INCIDENT_SUMMARY = "安全事件汇总"  # issue 19.4: every class's 安全事件, open ones first
OVERVIEW_SHEET = "概览"
OVERDUE_LIST_SHEET = "逾期清单"
CHILDREN_SHEET = "全校档案"
RECORDS_SHEET = "帮扶记录汇总"
CLASS_STATS_SHEET = "班级统计"
TEACHER_STATS_SHEET = "教师统计"
ISSUES_SHEET = "校验问题"
CHANGES_SHEET = "变更记录"
DROPOUT_REPORT_SHEET = "控辍保学月报"  # issue 19.5
RESULT_SHEETS = (
    OVERVIEW_SHEET,
    INCIDENT_SUMMARY,  # issue 19.4: next to 概览, whose red banner points to it
    OVERDUE_LIST_SHEET,
    CHILDREN_SHEET,
    RECORDS_SHEET,
    CLASS_STATS_SHEET,
    TEACHER_STATS_SHEET,
    ISSUES_SHEET,
    CHANGES_SHEET,
    DROPOUT_REPORT_SHEET,
)
"""The master's sheets that 汇总 rebuilds, in the order they stand."""
# ---- issue 23: the county workbook (`xlsync rollup`), in the order they stand
COUNTY_FILE = "县汇总.xlsx"
COUNTY_SHEETS = ("学校统计", "逾期", "数据时效", "变更")
CHECK_SHEET = "校验结果"
HELP_SHEET = "说明"
MASTER_FILE = "全校汇总.xlsx"
CLASS_DIR = "班级台账"
RETURN_DIR = "返回各班"  # copies of the class workbooks 汇总 refreshed, to send back
PRINT_DIR = "打印档案"  # issue 20: `xlsync print` puts its printouts here (never read as a class)
WRITE_BACK_SETTING = "汇总时更新班级台账"  # 学校信息: 是 (default) / 否

# ---------------------------------------------------------------- issue 21: 工作报告

ASSESSMENT_ITEMS = ("结对帮扶", "谈心", "家访", "送温暖", "无逾期", "帮扶记录")
"""教师考核's items (篇一 四个一, plus overdue and records), in the report's column order."""
ASSESSMENT = Sheet(
    name="考核标准",
    purpose="教师考核各项的权重（可选）。没有这张表时各项权重相同；权重为 0 的项不计入总分。",
    columns=(
        Column("考核项目", Kind.ENUM, True, choices=ASSESSMENT_ITEMS, width=12),
        Column("权重", Kind.INT, True, min_value=0, max_value=100, width=8),
        Column("说明", Kind.TEXT, width=40),
    ),
    defaults=(
        ("结对帮扶", "1", "每名教师至少结对帮扶一名学生（篇一“四个一”）"),
        ("谈心", "1", "谈心按帮扶规则的周期完成（篇一：每月至少一次）"),
        ("家访", "1", "家访按帮扶规则的周期完成（篇一：每学期至少一次）"),
        ("送温暖", "1", "送温暖按帮扶规则的周期完成（篇一：每年至少一次）"),
        ("无逾期", "1", "统计截止日没有逾期未做的帮扶事项"),
        ("帮扶记录", "1", "每名结对学生本期至少有一条帮扶记录"),
    ),
)
REPORT_PREFIX = "工作报告_"  # 工作报告_2026秋季学期.xlsx beside the master
