"""Fast start: `sumtrack --help`, `list` and `validate` import no heavy library (issue 9).

Checked by what is imported (`python -X importtime`), never by wall time: nltk alone took ~1 s (it pulls in
scipy and sklearn), numpy ~0.2 s, torch seconds.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import REPO

HEAVY = ("nltk", "numpy", "scipy", "sklearn", "torch", "transformers", "sentence_transformers", "rouge_score")


def imported(*argv: str, code: str | None = None) -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *(["-c", code] if code else ["-m", "eval.cli", *argv])],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    names = re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s+(\S+)$", done.stderr, re.MULTILINE)
    assert names, "no import timings were printed"
    return {name.split(".")[0] for name in names}


@pytest.mark.parametrize("argv", [("--help",), ("list",), ("validate", "configs/seeds.yaml")])
def test_quick_commands_import_nothing_heavy(argv: tuple[str, ...]) -> None:
    assert imported(*argv).isdisjoint(HEAVY)


def test_the_check_sees_a_heavy_import_when_there_is_one() -> None:
    # The check above can fail: a heavy import in the same process shows up in what it reads.
    assert "nltk" in imported(code="import eval.cli, nltk.stem.porter")


def test_score_with_stemming_imports_no_nltk() -> None:
    # Our Porter stemmer equals nltk's (rouge/porter.py, issue 10): stemming doesn't needs nltk's ~1 s import.
    source, other = REPO / "tests" / "conftest.py", REPO / "tests" / "tracking_texts.py"
    assert "nltk" not in imported("score", "--source", str(source), str(other), "--json")
