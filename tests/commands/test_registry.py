"""`senlab registry import FILE`: the summary it prints, and a refused file named by row and
field with nothing written."""

from __future__ import annotations

from sqlalchemy import func, select

from senlab.cli import main
from senlab.progress.db import make_engine, migrate, session_factory
from senlab.progress.models import Enterprise, Park
from senlab.settings import Settings

HEADER = "park_id,park_name,park_kind,enterprise_id,enterprise_name,tax_code\n"
GOOD = HEADER + ("KCN-SD,KCN Sa Đéc,KCN,E1,Công ty A,0312345678\n"
                 "KCN-SD,,,E2,Công ty B,\n"
                 "CCN-TB,CCN Tân Bình,CCN,,,\n")


def counts(home) -> tuple[int, int]:
    engine = make_engine(Settings(home=home).db_url)
    migrate(engine)
    with session_factory(engine)() as session:
        found = (session.scalar(select(func.count()).select_from(Park)),
                 session.scalar(select(func.count()).select_from(Enterprise)))
    engine.dispose()
    return found


def test_a_good_file_is_imported_and_summarised(home, tmp_path, capsys):
    path = tmp_path / "ban-quan-ly.csv"
    path.write_text(GOOD, encoding="utf-8")
    assert main(["registry", "import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Imported" in out and "enterprises with nobody enrolled" in out
    assert counts(home) == (2, 2)


def test_a_bad_file_names_file_row_and_field_and_writes_nothing(home, tmp_path, capsys):
    path = tmp_path / "ban-quan-ly.csv"
    path.write_text(GOOD + "KCN-SD,,,E1,Công ty A lần hai,\n", encoding="utf-8")
    assert main(["registry", "import", str(path)]) == 2
    out = capsys.readouterr().out
    assert "nothing was imported" in out
    assert f"{path}: row 5, field enterprise_id: duplicate enterprise 'E1'" in out
    assert counts(home) == (0, 0)


def test_the_messages_speak_vietnamese(home, tmp_path, capsys):
    path = tmp_path / "ban-quan-ly.csv"
    path.write_text(GOOD, encoding="utf-8")
    assert main(["--lang", "vi", "registry", "import", str(path)]) == 0
    assert "doanh nghiệp chưa có học viên nào" in capsys.readouterr().out
