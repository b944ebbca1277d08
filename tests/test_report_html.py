"""report.html: what the page holds (escaped, no network, each text once, size at 100 clusters) and how it
behaves in a real browser (Debian's chromium driven by playwright): the overview, the cluster index, the
on-demand cluster and side-by-side views, hostile text shown as text, no console errors."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from eval import config as config_mod
from eval.output.report import html_data, report_md
from eval.output.report_html import render_html, write_html
from eval.run.result import RunResult, SystemRun
from eval.run.runner import Runner
from tests.synthetic_run import METRICS, large_result, synthetic_result

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HOSTILE_TEXT = (
    "The council approved the new budget on Tuesday after a long debate. "
    'Markup: <script>alert(1)</script> & <img src=x onerror="alert(2)">. '
    "The plan raises spending on buses and trams by twelve percent."
)
HOSTILE_ID = "<img src=x onerror=alert(3)>"
SOURCE_1 = (
    "The council approved the new budget on Tuesday after a long debate. The plan raises spending on buses "
    "and trams by twelve percent. Road repairs lose funding, which critics say is a mistake. The mayor "
    "promised to review the road budget next spring. Business owners were divided about the plan."
)
SOURCE_2 = (
    "Heavy rain flooded the valley on Monday night. Hundreds of homes lost power and two bridges were "
    "closed. Rescue teams worked through the night to reach stranded drivers. The weather service expects "
    "more rain this week."
)
UNAVAILABLE = "model 'facebook/bart-large-cnn' is not available: it is not in the Hugging Face cache"


def small_run(tmp_path: Path) -> RunResult:
    """Two clusters through the real runner (extractive systems, no embedder), one unavailable system."""
    config = {
        "name": "small <b onclick=alert(1)>run",
        "corpus": {
            "clusters": [
                {
                    "id": "budget",
                    "source": {"id": "src-1", "text": SOURCE_1},
                    "derivatives": [
                        {
                            "id": "condensed",
                            "text": "The council approved a budget on Tuesday. Critics say "
                            "cutting road repairs is a mistake.",
                        },
                        {"id": HOSTILE_ID, "text": HOSTILE_TEXT},
                    ],
                },
                {
                    "id": "flood",
                    "source": {"id": "src-2", "text": SOURCE_2},
                    "derivatives": [
                        {"id": "condensed", "text": "Rain flooded the valley on Monday. Two bridges closed."}
                    ],
                },
            ]
        },
        "systems": [
            {"name": "lead-3", "type": "lead", "sentences": 3},
            {"name": "lead-100w", "type": "lead", "words": 100},
        ],
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    result = Runner(config_mod.load(path, [])).run()
    result.systems.append(SystemRun("bart-large-cnn", "seq2seq", "abstractive", "unavailable", UNAVAILABLE))
    return result


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, Path]:
    folder = tmp_path_factory.mktemp("report")
    result = small_run(folder)
    return result, write_html(folder / "report.html", html_data(result, METRICS))


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    result = synthetic_result(100)
    return write_html(tmp_path_factory.mktemp("big") / "report.html", html_data(result, METRICS))


def page_json(page: str) -> dict[str, Any]:
    block = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S)
    assert block is not None
    return json.loads(block.group(1))


def test_markup_in_texts_and_ids_is_escaped_and_nothing_is_fetched(small):
    page = small[1].read_text(encoding="utf-8")
    assert "<script>alert" not in page and "<img" not in page
    assert "small &lt;b onclick=alert(1)&gt;run" in page
    assert "&lt;img src=x onerror=alert(3)&gt;" in page  # the hostile id in the static tables
    assert len(re.findall(r"<script", page)) == 2  # the JSON data and the page's own script
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "default-src 'none'" in page and "innerHTML" not in page
    data = page_json(page)
    assert HOSTILE_TEXT.split(". ")[1] in "\n".join(data["clusters"][0]["texts"][2]["sentences"])


def test_overview_first_then_systems_with_the_reason_of_an_unavailable_one(small):
    page = small[1].read_text(encoding="utf-8")
    order = [page.index(f'<section id="{s}">') for s in ("overview", "systems", "comparisons", "clusters")]
    assert order == sorted(order)
    systems = page[page.index('<section id="systems">') : page.index('<section id="comparisons">')]
    assert "bart-large-cnn" in systems and "status-unavailable" in systems
    assert "is not in the Hugging Face cache" in systems
    # Two clusters: no paired test can reach p < 0.05, and the page says so under the comparisons.
    comparisons = page[page.index('<section id="comparisons">') : page.index('<section id="clusters">')]
    assert "cannot give p &lt; 0.05" in comparisons
    problems = page[page.index('<section id="problems">') :]
    # Said once, under Systems; the problems list only points there (issue 21).
    assert "did not run (unavailable: bart-large-cnn)" in problems and UNAVAILABLE not in problems
    assert page.count(html.escape(UNAVAILABLE)) == 1


def test_each_text_is_in_the_data_once(small):
    data = page_json(small[1].read_text(encoding="utf-8"))
    cluster = data["clusters"][0]
    assert [t["kind"] for t in cluster["texts"]] == ["source", "derivative", "derivative", "system", "system"]
    # Each text is in the page once: a source sentence appears as often as there are texts that hold it
    # (the source and lead-100w, which takes the whole source), not once per text compared with it.
    sentence = "Business owners were divided about the plan."
    holders = [t["id"] for t in cluster["texts"] if sentence in t["sentences"]]
    assert holders == ["src-1", "lead-100w"]
    assert small[1].read_text(encoding="utf-8").count(sentence) == 2
    # Spans index into the text: the copied run they mark is in both texts.
    text = "\n".join(cluster["texts"][1]["sentences"])
    source = "\n".join(cluster["texts"][0]["sentences"])
    (start, end), (s_start, s_end) = cluster["spans"][1][0][0], cluster["spans"][1][1][0]
    assert text[start:end].lower() == source[s_start:s_end].lower() and len(text[start:end].split()) >= 3


def test_intervals_only_where_two_or_more_clusters(small):
    page = small[1].read_text(encoding="utf-8")
    means = page[page.index('<table class="means">') :]
    means = means[: means.index("</table>")]
    assert re.search(r"<td>0\.\d{3} \(0\.\d{3}-0\.\d{3}\)</td>", means)  # n = 2 clusters
    # One cluster: the interval would be the point itself, so the table shows the mean alone.
    one = RunResult("one", "sig", {}, {})
    one.aggregates = [replace(a, low=a.mean, high=a.mean, n=1) for a in small[0].aggregates]
    one_page = render_html(html_data(one, METRICS))
    means = one_page[one_page.index('<table class="means">') :]
    means = means[: means.index("</table>")]
    assert re.search(r"<td>0\.\d{3}</td>", means) and "(" not in means


def test_report_md_follows_the_page_order(small):
    md = report_md(small[0], METRICS)
    headings = [
        "## Overview",
        "### Systems against the derivatives",
        "## Systems and cost",
        "## System comparisons",
        "## Per cluster",
        "## Problems",
    ]
    positions = [md.index(h) for h in headings]
    assert positions == sorted(positions)
    assert "bart-large-cnn (unavailable): " + UNAVAILABLE in md


def test_100_clusters_of_28_texts_stay_under_5_mb(big):
    size = big.stat().st_size
    assert size <= 5 * 2**20, f"{size / 2**20:.1f} MiB"
    data = page_json(big.read_text(encoding="utf-8"))
    assert len(data["clusters"]) == 100 and {len(c["texts"]) for c in data["clusters"]} == {28}


# --- in a real browser --------------------------------------------------------------------------------
# CI (CI=true) installs Chromium and playwright, so there these tests run or fail; they never skip.
needs_browser = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (apt-get install chromium)",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if os.environ.get("CI"):
        import playwright.sync_api as sync_api
    else:
        sync_api = pytest.importorskip(
            "playwright.sync_api", reason="pip install playwright to drive chromium"
        )
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


class Watched:
    """A page with its console errors, dialogs and requests recorded."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(path.as_uri(), wait_until="load")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def check_clean(self) -> None:
        assert self.errors == [] and self.dialogs == []
        assert all(url.startswith(("file://", "data:")) for url in self.requests), self.requests
        self.page.close()


@needs_browser
def test_overview_in_the_browser(browser, small):
    watched = Watched(browser, small[1])
    page = watched.page
    # Three derivatives over two clusters: a point each in the scatter, a dot each per profile measure.
    assert page.locator("#overview svg.scatter circle.point").count() == 3
    assert page.locator("#overview svg.profile circle.dot").count() > 3
    assert page.locator("#overview svg.scatter").is_visible()
    assert page.locator("table.derivatives").is_visible()
    assert page.locator("table.systems td.status-unavailable").inner_text() == "unavailable"
    assert "Hugging Face cache" in page.locator("table.systems").inner_text()
    # Clusters are drawn only when opened.
    assert page.locator("details.cluster table.tracking").count() == 0
    watched.check_clean()


@needs_browser
def test_cluster_index_opens_the_cluster_and_side_by_side_on_demand(browser, small):
    watched = Watched(browser, small[1])
    page = watched.page
    page.locator('#clusters table.index a[href="#cluster-0"]').click()
    cluster = page.locator("details#cluster-0")
    copying = cluster.locator("table.tracking").first  # then the faithfulness table, its own group
    copying.wait_for()  # drawn on the hashchange the link fires
    assert cluster.get_attribute("open") is not None
    assert copying.is_visible() and cluster.locator("table.tracking").count() == 2
    assert copying.locator("tbody tr").count() == 4  # 2 derivatives, 2 systems
    headers = [cluster.locator("table.tracking").nth(k).locator("th").all_text_contents() for k in (0, 1)]
    assert "R1 P" in headers[0] and "facts" in headers[1] and "facts" not in headers[0]
    # A measure with no value in the cluster (NLI, the judge: off) gets no column.
    assert not any("SummaC-ZS" in h for h in headers)
    # Each table fits the page's width.
    page_width = page.viewport_size["width"]
    for k in (0, 1):
        assert cluster.locator("table.tracking").nth(k).bounding_box()["width"] <= page_width
    assert page.locator("details#cluster-1 table.tracking").count() == 0  # still not drawn
    # Heatmaps: every label in full, the source marked, nothing outside the drawing.
    heatmap = cluster.locator("svg.heatmap").first
    labels = heatmap.locator("text.row-label").all_text_contents()
    assert labels == ["src-1 (source)", "condensed", HOSTILE_ID, "lead-3", "lead-100w"]
    assert heatmap.locator("rect.source-mark").count() == 2
    box = heatmap.bounding_box()
    for label in heatmap.locator("text.row-label, text.col-label").all():
        inner = label.bounding_box()
        assert inner["x"] >= box["x"] - 0.5 and inner["y"] >= box["y"] - 0.5
        assert inner["x"] + inner["width"] <= box["x"] + box["width"] + 0.5
    # The source beside a text appears on request, with copied runs highlighted and sentences linked.
    assert cluster.locator(".pair").count() == 0
    copying.locator("tr", has_text="condensed").locator("button.sbs-open").click()
    pair = cluster.locator("details.sbs[open] .pair")
    pair.wait_for()  # drawn by the details' toggle event
    assert pair.count() == 1 and pair.is_visible()
    assert pair.locator("mark.copy").first.is_visible()
    sentence = pair.locator("span.sent").first
    sentence.hover()
    assert pair.locator("li.linked").count() == 1
    # The hostile derivative: its id and markup show as text; nothing in them runs.
    cluster.locator("details.sbs summary", has_text="onerror=alert(3)").click()
    hostile = cluster.locator("details.sbs[open]", has_text="onerror=alert(3)")
    hostile.locator(".pair").wait_for()
    shown = hostile.inner_text()
    assert "<script>alert(1)</script>" in shown and 'onerror="alert(2)"' in shown
    assert page.locator("img").count() == 0
    watched.check_clean()


@needs_browser
def test_a_100_cluster_report_opens_and_responds(browser, big):
    watched = Watched(browser, big)
    page = watched.page
    assert page.locator("#clusters table.index tbody tr").count() == 100
    assert page.locator("details.cluster[open]").count() == 0
    page.locator('a[href="#cluster-99"]').click()
    cluster = page.locator("details#cluster-99")
    cluster.locator("table.tracking").first.wait_for()
    assert cluster.locator("table.tracking tbody tr").count() == 27
    assert cluster.locator("svg.heatmap").count() == 2
    cluster.locator("button.sbs-open").nth(5).click()
    cluster.locator(".pair").wait_for()
    assert cluster.locator(".pair mark.copy").count() > 0
    watched.check_clean()


class WithMatrices:
    """A run's result with other pairwise matrices (they are derived from the results table, not set)."""

    def __init__(self, result: RunResult, matrices: dict[str, Any]) -> None:
        self._result, self.matrices = result, matrices

    def __getattr__(self, name: str) -> Any:
        return getattr(self._result, name)


def test_an_undefined_number_is_null_in_the_data_not_a_broken_page(small):
    result = small[0]
    cid = next(iter(result.matrices))
    matrix = result.matrices[cid]["rouge2_f1"]
    assert not isinstance(matrix, str)
    broken = replace(matrix, values=((1.0, float("nan")), (float("nan"), 1.0)), labels=matrix.labels[:2])
    data = page_json(render_html(html_data(WithMatrices(result, {cid: {"rouge2_f1": broken}}), METRICS)))
    assert data["clusters"][0]["matrices"][0]["upper"] == [None]


def test_the_cluster_index_shows_each_clusters_derivatives_at_a_glance(small):
    result, path = small
    page = path.read_text(encoding="utf-8")
    index = page[page.index('<table class="index">') :]
    index = index[: index.index("</table>")]
    assert "derivatives' R1 P" in index and "derivatives' closeness" in index
    budget = index[index.index('href="#cluster-0"') :].split("</tr>")[0]
    precision = [
        r.precision
        for r in result.scores
        if r.cluster == "budget"
        and r.candidate_kind == "derivative"
        and r.target_kind == "source"
        and r.metric == "rouge1"
    ]
    shown = re.findall(r'<td class="bar" style="--w:[\d.]+%">(0\.\d{3})</td>', budget)
    assert abs(float(shown[0]) - sum(precision) / len(precision)) < 0.002  # means of rounded values


def test_a_very_long_text_is_held_in_part_with_its_full_count(small, monkeypatch):
    from eval.output import report_html

    monkeypatch.setattr(report_html, "REPORT_MAX_SENTENCES", 2)
    data = html_data(small[0], METRICS)
    source = data["clusters"][0]["texts"][0]
    assert len(source["sentences"]) == 2 and source["total"] == 5
    # Copied spans index into the part shown.
    source_spans = data["clusters"][0]["spans"][1][1]
    shown = "\n".join(source["sentences"])
    assert all(0 <= a < b <= len(shown) for a, b in source_spans)


@needs_browser
def test_spans_are_cut_per_sentence_as_by_checking_every_span(browser, small):
    import random

    def direct(sentences, spans):
        out, start = [], 0
        for sentence in sentences:
            end = start + len(sentence)
            out.append(
                sorted(
                    [max(a, start) - start, min(b, end) - start] for a, b in spans if a < end and b > start
                )
            )
            start = end + 1
        return out

    rng = random.Random(5)
    cases = []
    for _ in range(300):
        sentences = ["x" * rng.randint(0, 9) for _ in range(rng.randint(1, 6))]
        total = len("\n".join(sentences))
        spans = (
            [sorted(rng.sample(range(total + 1), 2)) for _ in range(rng.randint(0, 5))] if total > 1 else []
        )
        cases.append((sentences, spans))
    watched = Watched(browser, small[1])
    got = watched.page.evaluate(
        "cases => cases.map(c => window.sumtrackReport.perSentence(c[0], c[1]))", cases
    )
    for (sentences, spans), cut in zip(cases, got, strict=True):
        assert [sorted(p) for p in cut] == direct(sentences, spans)
    watched.check_clean()


@needs_browser
def test_the_side_by_side_of_a_very_long_text_shows_a_part_and_says_so(browser, small, tmp_path, monkeypatch):
    from eval.output import report_html

    monkeypatch.setattr(report_html, "REPORT_MAX_SENTENCES", 3)
    path = write_html(tmp_path / "report.html", html_data(small[0], METRICS))
    watched = Watched(browser, path)
    page = watched.page
    page.locator('a[href="#cluster-0"]').click()
    cluster = page.locator("details#cluster-0")
    cluster.locator("table.tracking tr", has_text="lead-100w").locator("button.sbs-open").click()
    pair = cluster.locator("details.sbs[open] .pair")
    pair.wait_for()
    note = cluster.locator("details.sbs[open] p.shown-part").inner_text()
    assert "the first 3 of 5 source sentences" in note and "at most 3 a side" in note
    assert pair.locator("li").count() == 6
    watched.check_clean()


# A run too large to show text by text. A streamed run (`sumtrack run`) keeps only the first clusters' rows
# in `results` (and lists every cluster's id); a library run holds every row. Both show the first
# output.detail_clusters clusters text by text and say so; every mean covers all of them.
NOTE = "every cluster is in scores.csv and rows.csv and in every mean"


@pytest.fixture(scope="module", params=["streamed", "library"])
def capped(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[RunResult, Path]:
    held = 7 if request.param == "streamed" else None
    result = large_result(30, 5, held=held)
    folder = tmp_path_factory.mktemp(f"capped-{request.param}")
    return result, write_html(folder / "report.html", html_data(result, METRICS))


def test_the_report_shows_the_first_clusters_text_by_text_and_says_so(capped):
    path = capped[1]
    page = path.read_text(encoding="utf-8")
    data = page_json(page)
    shown = [f"cluster-{c:03d}" for c in range(5)]
    assert [c["id"] for c in data["clusters"]] == shown
    assert f"showing 5 of 30 clusters text by text; {NOTE}" in page
    assert "Clusters (5 of 30)" in page and "<p>30 cluster(s)" in page
    table = page[page.index('<table class="derivatives">') :]
    table = table[: table.index("</table>")]
    assert "cluster-004" in table and "cluster-005" not in table
    # The means and the comparisons cover every cluster, not only those shown.
    means = page[page.index('<table class="means">') :]
    assert re.search(r"<td>30</td>", means[: means.index("</table>")])
    assert page.index('<table class="means">') < page.index('<table class="derivatives">')
    assert "cluster-005" not in page.split('<section id="cleaning">')[1]


def test_report_md_shows_the_first_clusters_and_the_means_first(capped):
    md = report_md(capped[0], METRICS)
    assert f"showing 5 of 30 clusters text by text; {NOTE}." in md
    assert "### cluster-004" in md and "### cluster-005" not in md
    assert "| cluster-005 |" not in md
    assert md.index("### Systems against the references") < md.index("### How each derivative tracks")
    means = md[md.index("### Systems against the references") :].split("\n\n")[2]
    assert means.splitlines()[2].endswith("| 30 |")
    assert "30 line(s) in all, every one in cleaning.jsonl; those of the first 5 clusters:" in md


def test_a_report_that_shows_every_cluster_has_no_note(small):
    assert "showing" not in small[1].read_text(encoding="utf-8")
    assert "showing" not in report_md(small[0], METRICS)
    assert "Clusters (2)" in small[1].read_text(encoding="utf-8")


def test_the_reports_read_the_matrices_once_not_once_per_cluster(monkeypatch):
    from eval.results import Results

    result = large_result(12, 100)
    calls = []
    rebuild = Results.matrices

    def counted(self: Results) -> Any:
        calls.append(1)
        return rebuild(self)

    monkeypatch.setattr(Results, "matrices", counted)
    data = html_data(result, METRICS)
    assert len(data["clusters"]) == 12 and all(c["matrices"] for c in data["clusters"])
    report_md(result, METRICS)
    assert len(calls) == 1


@needs_browser
def test_a_capped_report_opens_with_its_note_and_the_first_clusters(browser, capped):
    watched = Watched(browser, capped[1])
    page = watched.page
    note = page.locator("p.detail-note").first
    assert note.is_visible() and "showing 5 of 30 clusters text by text" in note.inner_text()
    assert page.locator("#clusters table.index tbody tr").count() == 5
    assert page.locator("#clusters p.detail-note").is_visible()
    assert page.locator("#overview svg.scatter circle.point").count() == 5 * 3  # 3 derivatives a cluster
    assert page.locator("table.derivatives tbody tr").count() == 15
    assert page.locator("table.means tbody tr").count() == 3
    page.locator('a[href="#cluster-4"]').click()
    cluster = page.locator("details#cluster-4")
    cluster.locator("table.tracking").first.wait_for()
    assert cluster.locator("svg.heatmap").count() == 2
    watched.check_clean()


@needs_browser
def test_the_first_screen_opens_on_findings_in_words_and_a_picture(browser, small, tmp_path):
    """Issue 21: the first screen (1280 x 900) says which text tracks its source most closely and how,
    which system is best and whether that can be significant, with one picture; the signature is one folded
    line; a screenshot of it is kept; and an opened cluster's tables fit the width."""
    watched = Watched(browser, small[1])
    page = watched.page
    shot = tmp_path / "first-screen.png"
    page.screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    findings = page.locator("#findings li.finding")
    kinds = [c.split("finding-")[1] for c in findings.evaluate_all("els => els.map(e => e.className)")]
    assert kinds == ["tracking", "best", "significance"]
    texts = findings.all_inner_texts()
    assert "tracks its source most closely" in texts[0] and "condensed" in texts[0]
    assert texts[1].startswith("Best against the derivatives: lead-")
    assert "cannot be significant" in texts[2] and "2 clusters" in texts[2]
    picture = page.locator("#findings svg.findings-bars")
    assert picture.locator("rect").count() == 3  # one bar per derivative
    for part in (findings.last, picture):
        box = part.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 900  # on the first screen
    signature = page.locator("details.signature > summary")
    assert signature.bounding_box()["height"] < 30  # one line, folded
    assert page.locator("details.signature").get_attribute("open") is None
    # No statement the numbers cannot support; every measure explained on hover, -1 of order included.
    body = page.locator("body").inner_text()
    assert "faithful condensation" not in body
    page.goto(small[1].as_uri() + "#cluster-0")
    cluster = page.locator("details#cluster-0")
    cluster.locator("table.tracking").first.wait_for()
    titles = cluster.locator("table.tracking th[title]").evaluate_all("els => els.map(e => e.title)")
    assert len(titles) >= 20 and all(titles)
    assert any("-1 reverses it" in t for t in titles)
    # The overview's tables fit the width. (A cluster's tracking table fitted 1280 px until the
    # faithfulness columns joined it; it scrolls inside its own box.)
    wide = page.evaluate(
        "Array.from(document.querySelectorAll('#overview .wide')).map(d => d.scrollWidth - d.clientWidth)"
    )
    assert wide and max(wide) <= 1, wide
    # Heatmap colours span the values shown, with a legend saying the range.
    scale = cluster.locator(".scale").first.inner_text()
    low, high = (float(x) for x in re.findall(r"\d\.\d\d", scale)[:2])
    assert low < high
    watched.check_clean()
