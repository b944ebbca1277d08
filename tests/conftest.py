"""Shared fixtures: where the shared corpora live, and small helpers for writing files."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "seeds"
SOURCE_ID = "004_0c4284c8328f3e91"
DERIVATIVE_IDS = (
    "000_3accf7433a7fbd23",
    "001_bbee12ca4cd7f645",
    "002_f56ba79a5034cf1a",
    "003_118163e1d9ff72fe",
)


@pytest.fixture(autouse=True)
def _run_in_a_scratch_folder(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test runs in a folder of its own: a relative output.dir (or the default runs/<name>) is in the
    current directory, and a test must never leave a run folder in the checkout."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


@pytest.fixture(scope="session")
def seeds() -> Path:
    if not (SEEDS / f"{SOURCE_ID}.txt").is_file():
        pytest.skip(f"the seed corpus is not at {SEEDS}")
    return SEEDS


# A small article of our own and texts of known closeness to it, for ranking checks.
ARTICLE = """The city council approved a new budget on Tuesday after a long and heated debate.
The plan raises spending on public transport by twelve percent and cuts funding for road repairs.
Council members who opposed the plan said that the roads were already in poor condition.
Supporters argued that more buses and trams would reduce traffic and pollution in the centre.
The mayor said she was pleased with the vote and promised to review the road budget next spring.
Local business owners were divided, with some welcoming the transport plan and others fearing delays.
The budget will take effect at the start of the next fiscal year in January."""

NEAR_COPY = ARTICLE.replace("Tuesday", "Wednesday").replace("twelve", "ten").replace("heated", "tense")

SUMMARY = """The city council approved a new budget on Tuesday.
The plan raises spending on public transport and cuts funding for road repairs.
The budget will take effect in January."""

PARAPHRASE = """After hours of argument, councillors voted through the city's spending plan this week.
Money for buses and trams goes up by about an eighth, while repairs to streets lose out.
Opponents warned that streets are crumbling; backers expect fewer cars and cleaner air downtown.
The mayor welcomed the result and said street maintenance would be looked at again in spring."""

UNRELATED = """A rare species of orchid has been found growing in a remote valley in the northern mountains.
Botanists from the national herbarium spent three weeks cataloguing plants along the river.
The discovery suggests that the valley's climate has stayed stable for thousands of years.
Researchers plan to return next summer with equipment to study the soil and local insects."""


@pytest.fixture()
def write(tmp_path: Path):
    """write(name, text or bytes) -> path inside tmp_path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write


@pytest.fixture()
def connections(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every address a socket connects to during the test. "Fails fast" offline means this stays empty: the
    slow path (the hub client's minute of retries) is network traffic, which is checked here, not timed."""
    import socket

    seen: list[object] = []
    connect = socket.socket.connect

    def recording(self: socket.socket, address: object) -> None:
        seen.append(address)
        connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", recording)
    return seen


@pytest.fixture()
def hf_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test of the Hugging Face backend reads and writes no user cache and never goes online."""
    import huggingface_hub.constants

    monkeypatch.setenv("SUMTRACK_CACHE_DIR", str(tmp_path / "sumtrack"))
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
