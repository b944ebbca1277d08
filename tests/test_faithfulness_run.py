"""Entity support end to end: `sumtrack run` names what a rewrite adds to its source, in every output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from eval.cli import main
from eval.output.csv_files import read_csv
from summarize.errors import ModelUnavailableError

SOURCE = (
    "Arsenal beat Chelsea 2-0 at the Emirates Stadium on Saturday. "
    "Bukayo Saka scored both goals in the second half. "
    "The win lifts Arsenal to second place, four points behind Manchester City."
)
FAITHFUL = "Arsenal beat Chelsea 2-0 on Saturday, with Bukayo Saka scoring both goals."
CHANGED = "Arsenal beat Chelsea 2-0 on Saturday, with Declan Rice scoring both goals."


@pytest.fixture(scope="module", autouse=True)
def _pipeline() -> None:
    from eval.tracking.entities import EntityPipeline

    try:
        EntityPipeline().load()
    except ModelUnavailableError as exc:
        pytest.skip(str(exc))


def _config(tmp_path: Path, **entities: object) -> Path:
    config = {
        "name": "faith",
        "corpus": {
            "clusters": [
                {
                    "id": "match",
                    "source": {"text": SOURCE, "id": "article"},
                    "derivatives": [{"text": FAITHFUL, "id": "faithful"}, {"text": CHANGED, "id": "changed"}],
                }
            ]
        },
        "aggregate": {"bootstrap": 0},
        "tracking": {"entities": entities} if entities else {},
        "systems": [{"name": "lead-1", "type": "lead", "sentences": 1}],
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def _run(tmp_path: Path, capsys, **entities: object) -> tuple[int, str, str, Path]:
    out = tmp_path / "run"
    code = main(["run", str(_config(tmp_path, **entities)), "--out", str(out)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err, out


def test_a_changed_name_is_named_in_every_output(tmp_path, capsys) -> None:
    code, stdout, stderr, out = _run(tmp_path, capsys)
    assert code == 0, stderr
    # Console: the faithfulness table lists the name the source lacks, for the changed rewrite only.
    assert "Faithfulness" in stdout and "Declan Rice" in stdout
    section = stdout.split("Faithfulness", 1)[1]
    changed_line = next(line for line in section.splitlines() if "changed" in line and "derivative" in line)
    assert "Declan Rice" in changed_line
    # results.json: the items per text, and the signature names the pipeline.
    results = json.loads((out / "results.json").read_text())
    by_id = {t["id"]: t["profile"]["entities"] for t in results["tracking"]}
    assert by_id["changed"]["unsupported"] == ["Declan Rice"]
    assert by_id["faithful"]["unsupported"] == [] and by_id["lead-1"]["unsupported"] == []
    assert "|ent:en_core_web_sm" in results["signature"]
    # rows.csv: the "unsupported" row carries the items in its detail column.
    _, rows = read_csv(out / "rows.csv")
    detail = {r["candidate"]: r["detail"] for r in rows if r["measure"] == "unsupported"}
    assert detail == {"faithful": "", "changed": "Declan Rice", "lead-1": ""}
    counts = {r["candidate"]: float(r["value"]) for r in rows if r["measure"] == "unsupported"}
    assert counts == {"faithful": 0.0, "changed": 1.0, "lead-1": 0.0}
    # report.md: the overview says so before anything per cluster.
    report = (out / "report.md").read_text()
    overview = report.split("## Per cluster")[0]
    assert "2 of 3 text(s) name only entities and quantities their source supports" in overview
    assert "| match | changed | derivative |" in overview and "Declan Rice" in overview
    # report.html: the overview's faithfulness table, and the fact travels to the side-by-side view.
    page = (out / "report.html").read_text()
    assert 'id="faithfulness"' in page and "Declan Rice" in page
    assert page.index('id="faithfulness"') < page.index("How each derivative tracks its source")


def test_an_unknown_pipeline_is_one_line_and_every_other_number_is_kept(tmp_path, capsys) -> None:
    code, stdout, stderr, out = _run(tmp_path, capsys, pipeline="no_such_spacy_pipeline")
    assert code == 0
    lines = [line for line in (stdout + stderr).splitlines() if "no_such_spacy_pipeline" in line]
    assert len(lines) == 1 and "entity support unavailable" in lines[0]
    results = json.loads((out / "results.json").read_text())
    assert "|ent:unavailable|" in results["signature"]
    for t in results["tracking"]:
        assert t["profile"]["entities"] is None
        assert t["profile"]["coverage"] is not None and t["profile"]["rouge"]
    assert "Faithfulness" not in stdout


def test_entity_support_can_be_switched_off(tmp_path, capsys) -> None:
    code, stdout, _, out = _run(tmp_path, capsys, enabled=False)
    assert code == 0
    results = json.loads((out / "results.json").read_text())
    assert "|ent:none|spacy:-|" in results["signature"]
    assert all(t["profile"]["entities"] is None for t in results["tracking"])
    assert "Faithfulness" not in stdout


def test_the_side_by_side_marks_the_unsupported_name_with_what_it_was_checked_against(
    tmp_path, capsys
) -> None:
    from tests.test_report_html import CHROMIUM, Watched

    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright to drive chromium")
    code, _, stderr, out = _run(tmp_path, capsys)
    assert code == 0, stderr
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        watched = Watched(browser, out / "report.html")
        page = watched.page
        # First screen: the overview's faithfulness table names the changed rewrite's new name in red.
        flagged = page.locator("table.faithfulness td.unsupported-list")
        assert flagged.count() == 1 and flagged.inner_text() == "Declan Rice"
        assert flagged.is_visible() and flagged.bounding_box()["y"] < 900
        page.locator('#clusters table.index a[href="#cluster-0"]').click()
        cluster = page.locator("details#cluster-0")
        cluster.locator("table.tracking").first.wait_for()
        cluster.locator("table.tracking tr", has_text="changed").locator("button.sbs-open").click()
        pair = cluster.locator("details.sbs[open] .pair")
        pair.wait_for()
        mark = pair.locator("mark.unsupported")
        assert mark.count() == 1 and mark.inner_text() == "Declan Rice"
        title = mark.get_attribute("title") or ""
        assert "is not in the source" in title and "Bukayo Saka scored both goals" in title, title
        # The faithful rewrite has nothing marked.
        cluster.locator("table.tracking tr", has_text="faithful").locator("button.sbs-open").click()
        faithful = cluster.locator("details.sbs[open]", has_text="faithful (derivative)").locator(".pair")
        faithful.wait_for()
        assert faithful.locator("mark.unsupported").count() == 0
        watched.check_clean()
        browser.close()
