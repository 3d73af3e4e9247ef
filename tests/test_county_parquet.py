"""Issue 23.3: `xlsync rollup --parquet DIR` writes the county's masked tables as Parquet
partitioned by school; DuckDB computes the 学校统计 totals from them with the query the README
shows, equal to the workbook's 合计 row; nothing unmasked reaches the files, whatever a school
sent (a masked export, a full export, its master)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.dataset as ds
import pytest
from openpyxl import load_workbook

from xlsync.core.county_match import KEY_VARIABLE
from xlsync.demo import DemoSize, generate_school
from xlsync.jobs.consolidate import consolidate
from xlsync.jobs.export import export

AS_OF = dt.date(2026, 11, 30)
KEY = "县教育局-2026-比对密钥-7f3a"
README = Path(__file__).parent.parent / "README.md"
TABLES = {"children": "全校档案", "records": "帮扶记录汇总", "overdue": "逾期清单"}


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> dict[str, Any]:
    """甲 sends a masked export, 乙 a full export, 丙 its master itself."""
    root = tmp_path_factory.mktemp("county_parquet")
    folder, masters = root / "各校报送", {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(KEY_VARIABLE, KEY)
        for name, seed in (("甲小学", 31), ("乙小学", 32), ("丙小学", 33)):
            master = generate_school(root / name, AS_OF, DemoSize(2, 6), seed=seed, school=name)
            consolidate(master, as_of=AS_OF, no_write_back=True)
            masters[name] = master
        export(masters["甲小学"], folder / "甲小学.xlsx")
        export(masters["乙小学"], folder / "乙小学.xlsx", masked=False)
        shutil.copy(masters["丙小学"], folder / "丙小学.xlsx")
    return {"folder": folder, "masters": masters}


@pytest.fixture(scope="module")
def rolled(county, tmp_path_factory) -> dict[str, Any]:
    from click.testing import CliRunner

    from xlsync.cli import cli

    parquet = tmp_path_factory.mktemp("out") / "省级交换"
    args = [
        "rollup",
        str(county["folder"]),
        "--as-of",
        AS_OF.isoformat(),
        "--parquet",
        str(parquet),
    ]
    with pytest.MonkeyPatch.context() as mp:  # the county's key: 丙's IDs are matched too
        mp.setenv(KEY_VARIABLE, KEY)
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return {**county, "parquet": parquet, "output": result.output}


def totals_sql() -> str:
    """The SQL block after <!-- county-totals-sql --> in the README."""
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- county-totals-sql -->\n```sql\n(.*?)```", text, re.S)
    assert found, "README lost the county totals query"
    return found.group(1)


def test_duckdb_totals_from_the_parquet_equal_the_workbook(rolled):
    sql = totals_sql().replace("DIR", str(rolled["parquet"]))
    result = duckdb.connect().execute(sql)
    columns = [d[0] for d in result.description]
    computed = dict(zip(columns, result.fetchone(), strict=True))
    rows = list(load_workbook(rolled["folder"] / "县汇总.xlsx")["学校统计"].values)
    header, total = rows[0], rows[-1]
    assert str(total[0]).startswith("合计")
    workbook = dict(zip(header, total, strict=False))
    assert computed.pop("学校数") == 3
    for name, value in computed.items():
        assert value == pytest.approx(workbook[name], abs=1e-9), name
    assert computed["学生数"] == 36 and computed["已逾期项数"] > 0


def test_each_table_is_partitioned_by_school_with_every_row(rolled):
    for table, sheet in TABLES.items():
        data = ds.dataset(rolled["parquet"] / table, partitioning="hive").to_table()
        schools = data.column("学校").to_pylist()
        assert set(schools) == {"甲小学", "乙小学", "丙小学"}, table
        parts = {p.name for p in (rolled["parquet"] / table).iterdir()}
        # the names as they are (UTF-8), not %-encoded: Hive and Spark decode %XX byte by byte
        assert parts == {"学校=甲小学", "学校=乙小学", "学校=丙小学"}, table
        for name, master in rolled["masters"].items():
            sent = sum(1 for _ in load_workbook(master, read_only=True)[sheet].values) - 1
            assert schools.count(name) == sent, (table, name)


def test_records_join_children_by_school_and_student_key(rolled):
    sql = f"""SELECT count(*) FILTER (c.学生编号 IS NULL), count(*)
        FROM read_parquet('{rolled["parquet"]}/records/**/*.parquet') r
        LEFT JOIN read_parquet('{rolled["parquet"]}/children/**/*.parquet') c USING (学校, 学生编号)
        WHERE r.学生编号 IS NOT NULL"""
    unmatched, total = query(sql)
    assert total > 100 and unmatched == 0
    codes = query(
        f"SELECT count(县级比对码) FROM read_parquet('{rolled['parquet']}/children/**/*.parquet')"
    )
    assert codes == (36,)  # the master's IDs hashed with the county key, the exports' kept


def query(sql: str) -> tuple[Any, ...]:
    """The one row `sql` returns."""
    row = duckdb.connect().execute(sql).fetchone()
    assert row is not None
    return tuple(row)


def _private_values(master: Path) -> set[str]:
    """What must never leave the school: IDs, 学籍号, phones, full birth dates, addresses."""
    rows = list(load_workbook(master, read_only=True)["全校档案"].values)
    header = rows[0]
    found: set[str] = set()
    for row in rows[1:]:
        kid = dict(zip(header, row, strict=False))
        for column, value in kid.items():
            if value in (None, ""):
                continue
            text = value.isoformat()[:10] if isinstance(value, dt.date) else str(value)
            if column in ("身份证号", "学籍号", "委托照护人身份证号") or "电话" in str(column):
                found.add(text)
            elif column in ("出生日期", "家庭住址") and len(text) > 8:
                found.add(text)
    return found


def test_nothing_unmasked_reaches_the_parquet(rolled):
    private = set().union(*(_private_values(m) for m in rolled["masters"].values()))
    assert len(private) > 100
    cells: list[str] = []
    for path in rolled["parquet"].rglob("*.parquet"):
        for row in ds.dataset(path).to_table().to_pylist():
            cells += [str(v) for v in row.values() if v is not None]
        assert KEY.encode() not in path.read_bytes()
    text = "\n".join(cells)
    leaked = sorted(value for value in private if value in text)
    assert not leaked
    assert not re.search(r"(?<!\d)\d{17}[\dXx](?!\d)", text)  # no ID-shaped number at all
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", text)  # no whole mobile number


def test_a_second_run_replaces_the_tables(rolled):
    from click.testing import CliRunner

    from xlsync.cli import cli

    stray = rolled["parquet"] / "children" / "学校=已撤并小学"
    stray.mkdir()
    (stray / "part-9-0.parquet").write_bytes(b"old")
    (rolled["parquet"] / "说明.txt").write_text("县里自己的文件", encoding="utf-8")
    args = ["rollup", str(rolled["folder"]), "--as-of", AS_OF.isoformat(), "--parquet"]
    result = CliRunner().invoke(cli, [*args, str(rolled["parquet"])], catch_exceptions=False)
    assert result.exit_code == 0
    assert not stray.exists() and (rolled["parquet"] / "说明.txt").is_file()
    assert not list(rolled["parquet"].parent.glob(".*partial"))


def _reference(grid: list[list[Any]], key: bytes) -> list[list[Any]]:
    """Every cell through mask_rows, then the masked forms put back: what masked_again must
    equal (it masks only the cells that need it, for speed)."""
    from xlsync.core.masking import mask_rows

    kept = re.compile(r"^(?:P[0-9a-f]{12}|C[0-9a-f]{16}|1[3-9]\d\*{4}\d{4})$")
    width = len(grid[0])
    padded = [list(grid[0]), *([*r, *[None] * (width - len(r))] for r in grid[1:])]
    out = mask_rows([list(r) for r in padded], key)
    for row, done in zip(padded[1:], out[1:], strict=True):
        for i, value in enumerate(row):
            if isinstance(value, str) and kept.match(value):
                done[i] = value
            elif grid[0][i] == "县级比对码":
                done[i] = None
    return out


@pytest.mark.parametrize("sheet", list(TABLES.values()))
def test_masking_only_what_needs_it_equals_masking_every_cell(county, sheet):
    from xlsync.core.county_tables import masked_again
    from xlsync.files.reader import load_grids

    key = b"k" * 32
    sent = [*county["masters"].values(), *county["folder"].glob("*小学.xlsx")]
    for path in sent:
        grid = load_grids(path, lambda name: name == sheet)[sheet]
        grid[1][1] = "联系 １３８ ０７３１ ２２４５，住 石门村3组"  # full-width phone, an address
        assert masked_again(grid, key) == _reference(grid, key), (path.name, sheet)
