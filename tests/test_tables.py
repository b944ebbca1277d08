"""Tables for people: the console's fit to 80 columns (ids kept apart, markup printed as it is), short ids,
and the builders shared by the console, report.md and report.html."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
import yaml
from rich.console import Console

from eval import cli
from eval import config as config_mod
from eval.output.tables import (
    derivatives_table,
    fit_table,
    interval,
    means_table,
    pooled_derivatives,
    short_ids,
    tracking_table,
)
from eval.results import ALL_DERIVATIVES, ALL_REFERENCES, Ref
from eval.run.result import RunResult
from eval.run.runner import Runner
from eval.stats.aggregate import ALL_SOURCES, AggregateRow

LEAD = Ref("system", "lead-3")
SEED_IDS = ["000_3accf7433a7fbd23", "001_bbee12ca4cd7f645", "002_f56ba79a5034cf1a", "003_118163e1d9ff72fe"]
SOURCE = (
    "The council approved the new budget on Tuesday after a long debate. The plan raises spending on buses "
    "and trams by twelve percent. Road repairs lose funding, which critics say is a mistake."
)


def render(parts, width: int = 80) -> list[str]:
    console = Console(width=width, record=True, file=io.StringIO())
    for part in parts:
        console.print(part)
    return console.export_text().splitlines()


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    """Two clusters with long seed-like ids, an id holding rich markup and two systems whose names share
    a prefix (the `lead…` of issue 9)."""
    derivatives = [{"id": i, "text": SOURCE.replace("twelve", "ten")} for i in SEED_IDS[:2]]
    config = {
        "corpus": {
            "clusters": [
                {
                    "id": "budget-2024-council-vote",
                    "source": {"id": "004_0c4284c8328f3e91", "text": SOURCE},
                    "derivatives": [*derivatives, {"id": "report [v1]", "text": SOURCE.split(". ")[0]}],
                },
                {
                    "id": "budget-2025-council-vote",
                    "source": {"id": "005_aaaa", "text": SOURCE.replace("Tuesday", "Monday")},
                    "derivatives": [{"id": "report [v1]", "text": SOURCE.split(". ")[1]}],
                },
            ]
        },
        "systems": [
            {"name": "lead-3", "type": "lead", "sentences": 3},
            {"name": "lead-100w", "type": "lead", "words": 100},
            {"name": "[bold]textrank[/bold]", "type": "textrank", "words": 30},
        ],
    }
    path = tmp_path_factory.mktemp("tables") / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return Runner(config_mod.load(path, [])).run()


def test_short_ids_are_unique_short_and_leave_short_ids_alone():
    ids = [*SEED_IDS, "lead-3", "lead-100w", "summary-model-alpha-v1", "summary-model-alpha-v2"]
    short = short_ids(ids, 12)
    assert "lead-3" not in short and "lead-100w" not in short
    assert set(short) == {*SEED_IDS, "summary-model-alpha-v1", "summary-model-alpha-v2"}
    assert all(len(s) <= 12 for s in short.values())
    shown = [short.get(i, i) for i in ids]
    assert len(set(shown)) == len(ids)
    assert short["summary-model-alpha-v1"].endswith("1") and short["summary-model-alpha-v2"].endswith("2")


def test_short_ids_fall_back_to_numbers_when_only_the_middle_differs():
    ids = ["a" * 15 + "X" + "b" * 15, "a" * 15 + "Y" + "b" * 15]
    short = short_ids(ids, 12)
    assert len(set(short.values())) == 2 and all(len(s) <= 12 for s in short.values())


def test_the_console_output_of_a_run_fits_80_columns_and_keeps_ids_apart(run, monkeypatch):
    # As the CLI's console: plain text soft-wraps, so the tables must wrap their own titles and captions.
    console = Console(width=80, record=True, highlight=False, soft_wrap=True, file=io.StringIO())
    monkeypatch.setattr(cli, "out", console)
    cli._print_result(run, ["rouge1", "rouge2", "rougeL", "rougeLsum"])
    lines = console.export_text().splitlines()
    # The signature is one unbroken line, to copy and search for; everything else fits 80 columns.
    assert [line for line in lines if line.startswith("signature: ")] == [f"signature: {run.signature}"]
    assert max(len(line) for line in lines if not line.startswith("signature: ")) <= 80
    text = "\n".join(lines)
    # Markup in ids and names prints as it is.
    assert "report [v1]" in text and "[bold]textrank[/bold]" in text
    assert "lead-3" in text and "lead-100w" in text and "lead…" not in text
    # Long ids are shortened to distinct forms, listed with the full id in a legend under each table.
    forms = set()
    for ident in SEED_IDS[:2]:
        legend = {line.split(" = ")[0].strip() for line in lines if line.strip().endswith(f"= {ident}")}
        assert len(legend) == 1
        forms |= legend
        (form,) = legend
        assert any(form in line and " = " not in line for line in lines)
    assert len(forms) == 2


def test_a_wide_table_continues_in_a_second_part_with_the_key_columns(run):
    header, rows = tracking_table(run)
    parts = fit_table("Tracking", header, rows, width=80, keys=2, ids=(0, 1))
    lines = render(parts)
    assert max(len(line) for line in lines) <= 80
    titles = [line.strip() for line in lines if line.strip().startswith("Tracking (")]
    assert len(titles) >= 2 and titles[-1] == f"Tracking ({len(titles)}/{len(titles)})"
    # Every column header appears (wrapped at spaces where needed), the key columns in both parts.
    text = "\n".join(lines)
    for word in ("coverage", "density", "compression", "closeness", "semantic", "order"):
        assert word in text
    assert text.count("cluster") == len(titles)


def test_at_160_columns_a_table_stays_whole(run):
    header, rows = tracking_table(run)
    lines = render(fit_table("Tracking", header, rows, width=160, keys=2, ids=(0, 1)), width=160)
    text = "\n".join(lines)
    assert "(1/2)" not in text and "budget-2024-council-vote" in text and SEED_IDS[0] in text


def test_cells_never_read_as_markup():
    lines = render(fit_table("t [x]", ["id", "v"], [["report [v1]", "1"], ["[red]x[/red]", "2"]], width=80))
    text = "\n".join(lines)
    assert "t [x]" in text and "report [v1]" in text and "[red]x[/red]" in text


def test_means_show_an_interval_only_for_two_or_more_clusters():
    result = RunResult("r", "sig", {}, {})
    result.aggregates = [
        AggregateRow(LEAD, ALL_REFERENCES, "rouge1", "f1", 0.4, 0.3, 0.5, 5),
        AggregateRow(LEAD, ALL_REFERENCES, "rouge2", "f1", 0.2, 0.2, 0.2, 1),
        AggregateRow(LEAD, ALL_DERIVATIVES, "rouge1", "f1", 0.1, 0.1, 0.1, 1),
        AggregateRow(ALL_DERIVATIVES, ALL_SOURCES, "rouge1", "f1", 0.6, 0.5, 0.7, 9),
        # A system may be called "derivatives": it is a system, never the pooled derivatives.
        AggregateRow(Ref("system", "derivatives"), ALL_REFERENCES, "rouge1", "f1", 0.3, 0.3, 0.3, 1),
    ]
    header, rows = means_table(result, "references", ["rouge1", "rouge2"])
    assert header == ["system", "R1 F", "R2 F", "n"]
    assert rows == [["lead-3", "0.400 (0.300-0.500)", "0.200", "5"], ["derivatives", "0.300", "-", "1"]]
    assert [a.mean for a in pooled_derivatives(result)] == [0.6]
    assert interval(replace(result.aggregates[0], n=1)) == "0.400"


def test_the_overview_table_lists_derivatives_only(run):
    header, rows = derivatives_table(run, ["rouge1"])
    assert header[:6] == ["cluster", "derivative", "words", "R1 P", "R1 R", "R1 F"]
    assert {r[1] for r in rows} == {*SEED_IDS[:2], "report [v1]"}
    assert len(rows) == 4  # "report [v1]" in both clusters, kept apart by the cluster column


def test_an_empty_table_still_lays_out():
    lines = render(fit_table("Empty", ["a", "b"], [], width=80))
    assert any("Empty" in line for line in lines)
