"""sample_data/leads.csv is exactly what sample_data/make_leads.py generates."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SAMPLE_DIR = Path(__file__).parent.parent / "sample_data"


def test_leads_csv_is_reproducible(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_leads", SAMPLE_DIR / "make_leads.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "leads.csv"
    module.write(out, module.build_rows())
    assert out.read_bytes() == (SAMPLE_DIR / "leads.csv").read_bytes()
