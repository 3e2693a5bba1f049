"""The documentation's tables of published evidence and of the benchmarks' measurements are generated
from the files under docs/ (no number typed by hand): each block is what
astronet.figures.evidence_markdown makes of its file (the benchmarks' records: test_benchmark_records.py)."""

from pathlib import Path

import pandas as pd
import pytest

from astronet.figures import evidence_markdown

REPO = Path(__file__).resolve().parents[1]


def test_docs_tables_are_generated_from_the_published_files():
    pages = evidence_markdown.pages(REPO)
    assert REPO / "README.md" in pages and REPO / "docs" / "jiang2025.md" in pages
    found = {}
    for page in pages:
        text = page.read_text()
        found[page.name] = len(evidence_markdown.BLOCK.findall(text))
        assert evidence_markdown.update(text, page.parent) == text, (
            f"{page.relative_to(REPO)}: regenerate with python -m astronet.figures.evidence_markdown"
        )
    assert found["jiang2025.md"] >= 4, found
    # the benchmarks' tables (docs/performance/*.csv): every record is shown on a page
    assert found["performance.md"] >= 5 and found["cluster.md"] >= 2, found
    shown = {m.group("path") for page in pages for m in evidence_markdown.BLOCK.finditer(page.read_text())}
    records = {f"performance/{p.name}" for p in (REPO / "docs" / "performance").glob("*.csv")}
    assert records and records <= shown, records - shown


def test_command_rewrites_every_page_with_tables(tmp_path):
    """`python -m astronet.figures.evidence_markdown PAGE` regenerates the page's blocks from files
    relative to the page, and leaves a page without blocks as it is."""
    import shutil
    import subprocess
    import sys

    (tmp_path / "jiang2025").mkdir()
    shutil.copy(REPO / "docs" / "jiang2025" / "jiang2025_claims" / "claims.csv", tmp_path / "jiang2025" / "claims.csv")
    page = tmp_path / "page.md"
    page.write_text("text\n<!-- table: jiang2025/claims.csv -->\nstale\n<!-- end table -->\n")
    plain = tmp_path / "plain.md"
    plain.write_text("no tables\n")
    for path in (page, plain):
        subprocess.run([sys.executable, "-m", "astronet.figures.evidence_markdown", str(path)], check=True)
    assert "stale" not in page.read_text() and "| regime | scheme |" in page.read_text()
    assert plain.read_text() == "no tables\n"


def test_claims_table_rendering(tmp_path):
    row = {
        "regime": "Sparse",
        "scheme": "pairwise_bernoulli",
        "network": "sparse",
        "control": "sparse_no_tripartite",
        "compared": "tripartite",
        "metric": "sync_local_all",
        "n_pairs": 3,
        "seeds": "1 2 3",
        "network_mean": 0.0141,
        "control_mean": 0.0061,
        "difference_mean": 0.008,
        "ci95_low": 0.002,
        "ci95_high": 0.014,
        "effect": "network higher",
        "verdict": "holds",
    }
    path = tmp_path / "claims.csv"
    pd.DataFrame([row, {**row, "metric": "rate_all", "ci95_low": None, "ci95_high": None, "verdict": None}]).to_csv(
        path, index=False
    )
    lines = evidence_markdown.render(path).splitlines()
    assert lines[0].startswith("| regime | scheme | metric | pairs (seeds) | tripartite | No-Tripartite |")
    assert "[95 % CI]" in lines[0]
    assert lines[2] == (
        "| Sparse | pairwise_bernoulli | `sync_local_all` | 3 (1 2 3) | 0.0141 | 0.0061 | 0.008 [0.002, 0.014] "
        "| network higher | holds |"
    )
    assert lines[3].endswith("| 0.008 | network higher |  |")
    text = f"before\n<!-- table: {path.name} -->\nstale\n<!-- end table -->\nafter\n"
    assert evidence_markdown.update(text, tmp_path) == text.replace("stale\n", evidence_markdown.render(path))
    # column=value after the path keeps the rows holding that value
    text = f"<!-- table: {path.name} metric=sync_local_all -->\nstale\n<!-- end table -->\n"
    updated = evidence_markdown.update(text, tmp_path).splitlines()
    assert updated[1:3] == lines[:2] and updated[3] == lines[2] and updated[4] == "<!-- end table -->"
    with pytest.raises(ValueError, match=r"no row with \{'metric': 'rate'\}"):
        evidence_markdown.update(text.replace("=sync_local_all", "=rate"), tmp_path)


def test_experiment_summary_rendering(tmp_path):
    """An experiment's summary.csv (a sweep's grid points) as a table: the swept values, the seeds and
    each metric's mean, with the half-width of its 95 % CI where more than one seed defines it."""
    from astronet.analysis import sweep_tables

    runs = pd.DataFrame(
        [
            {"experiment": "eff", "run": "a", "p_third_if_primary": 0.1, "w_n2a": 5.0, "rng_seed": 1, "rate_all": 4.0,
             "sync_global_all": 0.02},
            {"experiment": "eff", "run": "b", "p_third_if_primary": 0.1, "w_n2a": 5.0, "rng_seed": 2, "rate_all": 6.0,
             "sync_global_all": 0.04},
            {"experiment": "eff", "run": "c", "p_third_if_primary": 1.0, "w_n2a": 0.5, "rng_seed": 1, "rate_all": 3.0,
             "sync_global_all": 0.01},
        ]
    )  # fmt: skip
    path = tmp_path / "summary.csv"
    sweep_tables.summary_table(runs, ["p_third_if_primary", "w_n2a"]).to_csv(path, index=False)
    lines = evidence_markdown.render(path).splitlines()
    assert lines[0] == "| `p_third_if_primary` | `w_n2a` | seeds | `rate_all` | `sync_global_all` |"
    half = sweep_tables.ci95_halfwidth([4.0, 6.0])[1]  # t(0.975, 1) x s / sqrt(2), s = sqrt(2)
    assert abs(half - 12.706) < 1e-3
    assert lines[2] == f"| 0.1 | 5 | 1 2 | 5 ± {half:.3g} | 0.03 ± {half / 100:.3g} |"
    assert lines[3] == "| 1 | 0.5 | 1 | 3 | 0.01 |"
