"""`senlab report` and `senlab roster import`: what they write, and how they refuse bad input."""

from __future__ import annotations

import csv

from openpyxl import load_workbook

from senlab.cli import main
from senlab.roster import COLUMNS


def write_roster(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({column: row.get(column, "") for column in COLUMNS})
    return path


TRAINEE = {"role": "trainee", "username": "tech1", "full_name": "Ngô Văn Hải",
           "park_id": "kcn-sa-dec", "park_name": "KCN Sa Đéc", "park_kind": "KCN",
           "enterprise_id": "ent-1", "enterprise_name": "DN Một", "courses": "iot101"}


def test_the_annual_report_is_written_as_a_workbook(tmp_path, capsys):
    out = tmp_path / "bao-cao-2026.xlsx"
    assert main(["report", "--period", "2026", "--format", "xlsx", "--out", str(out)]) == 0
    assert load_workbook(out).sheetnames
    assert "Wrote" in capsys.readouterr().out


def test_a_bad_report_period_is_named(tmp_path, capsys):
    code = main(["report", "--period", "2026Q3", "--format", "csv", "--out",
                 str(tmp_path / "r.csv")])
    assert code == 2
    assert "2026Q3" in capsys.readouterr().out
    assert not (tmp_path / "r.csv").exists()


def test_a_roster_imports_into_the_progress_database(tmp_path, capsys):
    roster = write_roster(tmp_path / "roster.csv", [TRAINEE])
    assert main(["roster", "import", str(roster), "--no-hub"]) == 0
    assert main(["roster", "import", str(roster), "--no-hub"]) == 0  # again: no change
    out = capsys.readouterr().out
    assert "trainee" in out and "enrolments" in out


def test_a_bad_roster_row_is_named_and_nothing_is_imported(tmp_path, home, capsys):
    bad = dict(TRAINEE, username="Bad Name")
    roster = write_roster(tmp_path / "roster.csv", [TRAINEE, bad])
    assert main(["roster", "import", str(roster), "--no-hub"]) == 2
    out = " ".join(capsys.readouterr().out.split())
    assert "row 3, field username" in out
    assert "nothing was imported" in out
    assert not (home / "progress.sqlite").exists()  # checked whole before anything is written


def test_a_roster_import_for_the_hub_needs_the_admin_token(tmp_path, capsys):
    roster = write_roster(tmp_path / "roster.csv", [TRAINEE])
    assert main(["roster", "import", str(roster)]) == 2
    assert "SENLAB_ADMIN_TOKEN" in capsys.readouterr().out


def test_the_report_and_the_roster_speak_vietnamese(tmp_path, capsys):
    out = tmp_path / "bao-cao-2026.csv"
    assert main(["--lang", "vi", "report", "--period", "2026", "--format", "csv",
                 "--out", str(out)]) == 0
    said = " ".join(capsys.readouterr().out.split())
    size = out.stat().st_size
    # The size with a dot for thousands in vi: 12345 bytes is "12.345 byte".
    written = f"{size:,}".replace(",", ".")
    assert f"Đã ghi {out} ({written} byte)" in said
    roster = write_roster(tmp_path / "roster.csv", [TRAINEE, dict(TRAINEE, username="Bad Name")])
    assert main(["--lang", "vi", "roster", "import", str(roster), "--no-hub"]) == 2
    said = " ".join(capsys.readouterr().out.split())
    assert "chưa nhập gì; có 1 lỗi:" in said and "dòng 3, trường username" in said
    good = write_roster(tmp_path / "good.csv", [TRAINEE])
    assert main(["--lang", "vi", "roster", "import", str(good), "--no-hub"]) == 0
    said = capsys.readouterr().out
    assert "học viên" in said and "lượt ghi danh" in said and "enrolments" not in said
