"""Size of report.html and how fast headless Chromium opens it.

Without arguments it writes the report of a synthetic run of 100 clusters of 28 texts (tests/synthetic_run.py:
a ~700-word source, 3 derivatives, 10 references and 14 system summaries per cluster, SummEval's shape) to a
temporary folder; with a path it measures that report (e.g. runs/seeds/report.html). It prints the size, the
time from navigation to the load event (the page's script has drawn the overview by then) and the time to
open one cluster from the index and one side-by-side view, each the median of --repeat page loads.

Needs Debian's chromium (apt-get install chromium) and the playwright package (test extra).

    python -m benchmarks.report_open [REPORT.html] [--clusters 100] [--repeat 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path


def synthetic_report(folder: Path, clusters: int) -> Path:
    from eval.output.report import html_data
    from eval.output.report_html import write_html
    from tests.synthetic_run import METRICS, synthetic_result

    return write_html(folder / "report.html", html_data(synthetic_result(clusters), METRICS))


def measure(path: Path, repeat: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("report_open: Debian's chromium is not installed (apt-get install chromium)")
    loads, opens, pairs = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        for _ in range(repeat):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            start = time.perf_counter()
            page.goto(path.as_uri(), wait_until="load")
            loads.append(time.perf_counter() - start)
            last = page.locator("#clusters table.index a").last
            start = time.perf_counter()
            last.click()
            page.locator("details.cluster[open] table.tracking").last.wait_for()
            opens.append(time.perf_counter() - start)
            start = time.perf_counter()
            page.locator("details.cluster[open] button.sbs-open").last.click()
            page.locator("details.cluster[open] .pair").last.wait_for()
            pairs.append(time.perf_counter() - start)
            page.close()
        browser.close()
    return {
        "load": statistics.median(loads),
        "open cluster": statistics.median(opens),
        "side by side": statistics.median(pairs),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", nargs="?", type=Path, help="a report.html (default: a synthetic one)")
    parser.add_argument("--clusters", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        path = args.report or synthetic_report(Path(folder), args.clusters)
        size = path.stat().st_size
        times = measure(path.resolve(), args.repeat)
    print(f"{path.name}: {size / 2**20:.2f} MiB ({size:,} bytes)")
    for name, seconds in times.items():
        print(f"  {name}: {seconds:.2f} s (median of {args.repeat})")


if __name__ == "__main__":
    main()
