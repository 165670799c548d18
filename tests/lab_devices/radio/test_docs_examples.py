"""The Python examples of the radio docs page run as written, in both languages."""

import re
from pathlib import Path

import pytest

SITE = Path(__file__).resolve().parents[3] / "site"
PAGES = ["radio.md", "radio.en.md"]


def _python_blocks(page: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", (SITE / page).read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("page", PAGES)
def test_page_has_python_examples(page):
    assert len(_python_blocks(page)) >= 2


@pytest.mark.parametrize("page", PAGES)
def test_python_examples_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the map example writes map.png
    for block in _python_blocks(page):
        exec(compile(block, f"{page} example", "exec"), {})
    assert (tmp_path / "map.png").exists()
