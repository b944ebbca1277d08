from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from eval.report_html import build_cluster, render_html, write_html
from eval.semantic import Embedder
from eval.settings import Settings
from tests.tracking_texts import NEAR_COPY, PARAPHRASE, SOURCE, SUMMARY, embedder  # noqa: F401

SCORER = Settings().build().tracking_scorer  # the run's tracking scorer, default settings

HOSTILE = 'A rewrite with markup: <script>alert(1)</script> & <img src=x onerror="alert(2)">.\nIt ends here.'
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def report_data(model: Embedder | None) -> dict[str, Any]:
    texts = [
        ("near", "derivative", NEAR_COPY),
        ("summary", "system", SUMMARY),
        ("para", "reference", PARAPHRASE),
        ("hostile", "derivative", HOSTILE),
    ]
    cluster = build_cluster("bridge", ("source", SOURCE), texts, scorer=SCORER, embedder=model)
    return {
        "title": "test run <b>",
        "signature": "rouge|tok:default|stem:yes",
        "aggregate": [{"system": "lead", "metric": "rouge2", "mean": 0.4, "low": 0.3, "high": 0.5}],
        "scores": [
            {
                "cluster": "bridge",
                "candidate": "summary",
                "target": "source",
                "metric": "rouge2",
                "precision": 0.7,
                "recall": 0.2,
                "f1": 0.3,
            },
        ],
        # Through JSON, as the runner will hand it over.
        "clusters": [json.loads(json.dumps(cluster))],
    }


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:  # noqa: F811
    return write_html(tmp_path_factory.mktemp("run") / "report.html", report_data(embedder))


def test_document_text_is_escaped_and_nothing_is_fetched():
    page = render_html(report_data(None))
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page and "test run &lt;b&gt;" in page
    assert len(re.findall(r"<script>", page)) == 1  # the page's own, allowed by hash in the CSP
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "default-src 'none'" in page


def test_without_the_model_the_report_says_why():
    page = render_html(report_data(None))
    assert "semantic similarity not requested" in page
    assert page.count('class="heatmap"') == 1  # ROUGE-2 only


def test_copied_fragments_are_marked_and_aligned_sentences_linked(report: Path):
    page = report.read_text(encoding="utf-8")
    assert '<mark class="copy">' in page
    assert re.search(r'<a class="sent" href="#c0-t0-s0" data-src="c0-t0-s0"', page)
    assert 'id="c0-t0-s0"' in page
    assert page.count('class="heatmap"') == 2 and 'class="chart"' in page


# CI (CI=true) installs Chromium and playwright, so there the test runs or fails; it never skips.
@pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (apt-get install chromium)",
)
def test_report_in_headless_chromium(report: Path):
    if os.environ.get("CI"):
        import playwright.sync_api as sync_api
    else:
        sync_api = pytest.importorskip(
            "playwright.sync_api", reason="pip install playwright to drive chromium"
        )
    errors: list[str] = []
    dialogs: list[str] = []
    requests: list[str] = []
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
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))

            def on_dialog(dialog: Any) -> None:
                dialogs.append(dialog.message)
                dialog.dismiss()

            page.on("dialog", on_dialog)
            page.on("request", lambda r: requests.append(r.url))
            page.goto(report.as_uri(), wait_until="load")

            assert page.locator("table.tracking").is_visible()
            assert page.locator("table.aggregate").is_visible()
            assert page.locator("svg.chart rect.bar").count() > 0 and page.locator("svg.chart").is_visible()
            assert page.locator("svg.heatmap rect.cell").count() == 2 * 5 * 5
            assert page.locator("svg.heatmap").first.is_visible()
            assert page.locator("mark.copy").first.is_visible()

            # Hovering a text sentence lights up the source sentence it is aligned with.
            link = page.locator("a.sent").first
            target = page.locator("#" + link.get_attribute("data-src"))
            link.hover()
            assert "linked" in (target.get_attribute("class") or "")

            # The hostile derivative shows its markup as text, and nothing in it runs.
            page.locator("details.sbs summary", has_text="hostile").click()
            shown = page.locator("details.sbs", has_text="hostile").inner_text()
            assert "<script>alert(1)</script>" in shown and 'onerror="alert(2)"' in shown
            assert page.locator("details.sbs img").count() == 0
        finally:
            browser.close()
    assert dialogs == []
    assert errors == []
    assert all(url.startswith("file://") for url in requests), requests


def test_spans_are_cut_per_sentence_as_by_checking_every_span() -> None:
    import random

    from eval.report_html import _spans_per_sentence

    def direct(sentences, spans):
        out, start = [], 0
        for sentence in sentences:
            end = start + len(sentence)
            out.append(
                sorted(
                    (max(a, start) - start, min(b, end) - start) for a, b in spans if a < end and b > start
                )
            )
            start = end + 1
        return out

    rng = random.Random(5)
    for _ in range(300):
        sentences = ["x" * rng.randint(0, 9) for _ in range(rng.randint(1, 6))]
        total = len("\n".join(sentences))
        spans = (
            [tuple(sorted(rng.sample(range(total + 1), 2))) for _ in range(rng.randint(0, 5))]
            if total > 1
            else []
        )
        got = [sorted(p) for p in _spans_per_sentence(sentences, spans)]
        assert got == direct(sentences, spans)


def test_the_side_by_side_of_a_very_long_text_shows_a_part_and_says_so(monkeypatch) -> None:
    from eval import report_html

    monkeypatch.setattr(report_html, "REPORT_MAX_SENTENCES", 3)
    source = SOURCE.splitlines()
    page = report_html._side_by_side(
        "p", source, {"id": "t", "kind": "derivative", "sentences": source}, open_=True
    )
    assert f"the first 3 of {len(source)}" in page
    assert page.count("<li") == 6
