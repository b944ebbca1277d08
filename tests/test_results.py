"""The results table: typed references, one row per number, and every view of it agreeing."""

from __future__ import annotations

import dataclasses
import json
import pickle
import random
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import pytest

from eval import config
from eval.output.csv_files import read_csv
from eval.output.folder import write_run
from eval.results import ALL, Ref, Results, Row
from eval.run.runner import Runner
from eval.run.scoring import ClusterTexts, Prepared, score_cluster
from eval.settings import Settings
from eval.tracking.matrices import Matrix, cluster_matrices
from tests.conftest import ARTICLE, NEAR_COPY, SUMMARY

RU_SOURCE = (
    "Городской совет утвердил новый бюджет во вторник после долгих споров.\n"
    "Бюджет увеличивает расходы на школы и дороги."
)
RU_DERIVATIVE = "Совет утвердил новый бюджет во вторник.\nБюджет увеличивает расходы на школы."


def prepared(cluster: str, doc_id: str, role: str, text: str) -> Prepared:
    return Prepared(cluster, doc_id, role, text, len(text.split()))  # type: ignore[arg-type]


def cluster_texts(cid: str = "c") -> ClusterTexts:
    return ClusterTexts(
        cid,
        prepared(cid, "src", "source", ARTICLE),
        (prepared(cid, "references", "derivative", NEAR_COPY),),
        (prepared(cid, "r1", "reference", SUMMARY), prepared(cid, "r2", "reference", NEAR_COPY)),
        (prepared(cid, "derivatives", "system", SUMMARY),),
    )


def test_refs_are_typed_and_validated() -> None:
    assert str(Ref("system", "lead-3")) == "system:lead-3"
    assert Ref("derivatives", ALL).pooled and not Ref("system", "derivatives").pooled
    assert Ref("system", "derivatives") != Ref("derivatives", ALL)
    with pytest.raises(ValueError, match="Ref kind 'model'"):
        Ref("model", "x")  # type: ignore[arg-type]


def test_names_that_look_like_groups_stay_apart_by_kind() -> None:
    """A system called "derivatives" and a derivative called "references" never merge with the groups."""
    scores = score_cluster(cluster_texts(), Settings(tracking=False))
    targets = {str(r.target) for r in scores.rows if str(r.candidate) == "system:derivatives"}
    assert targets == {"source:src", "derivative:references", "reference:r1", "reference:r2", "references:*"}
    keys = [r.key for r in scores.rows]
    assert len(keys) == len(set(keys))


def test_score_cluster_is_pure_and_runs_in_another_process() -> None:
    texts, settings = cluster_texts(), Settings()
    here = score_cluster(texts, settings)
    assert score_cluster(texts, settings) == here
    assert pickle.loads(pickle.dumps(here)) == here
    with ProcessPoolExecutor(1, mp_context=get_context("fork")) as pool:
        there = pool.submit(score_cluster, texts, settings).result()
    assert there.rows == here.rows


def test_rows_are_matched_by_key_not_position() -> None:
    scores = score_cluster(cluster_texts(), Settings())
    shuffled = list(scores.rows)
    random.Random(0).shuffle(shuffled)
    ordered, mixed = Results(), Results()
    ordered.add(scores)
    mixed.add(dataclasses.replace(scores, rows=tuple(shuffled)))
    assert sorted(map(repr, ordered.score_rows())) == sorted(map(repr, mixed.score_rows()))
    assert ordered.matrices() == mixed.matrices()
    with pytest.raises(ValueError, match="added already"):
        ordered.add(scores)


def test_matrices_from_rows_equal_the_matrix_computed_directly() -> None:
    texts, settings = cluster_texts(), Settings()
    results = Results()
    results.add(score_cluster(texts, settings))
    (matrices,) = results.matrices().values()
    docs = [texts.source, *texts.derivatives, *texts.references, *texts.summaries]
    direct = cluster_matrices({d.id: d.text for d in docs}, scorer=settings.build().matrix_scorer)
    assert matrices["rouge2_f1"] == direct["rouge2_f1"]
    assert isinstance(matrices["semantic"], str)  # not requested: the reason stands in its place


def test_rows_round_trip_through_records() -> None:
    scores = score_cluster(cluster_texts(), Settings())
    assert [Row.from_record(r.record()) for r in scores.rows] == list(scores.rows)


def ru_run(tmp_path, tokenizer: str):
    data = {
        "name": "ru",
        "corpus": {
            "clusters": [
                {
                    "id": "ru",
                    "source": {"id": "src", "text": RU_SOURCE},
                    "derivatives": [{"id": "deriv", "text": RU_DERIVATIVE}],
                }
            ]
        },
        "rouge": {"tokenizer": tokenizer},
        "systems": [{"name": "lead-1", "type": "lead", "sentences": 1}],
    }
    loaded = config.load_data(data)
    result = Runner(loaded).run()
    write_run(result, loaded, tmp_path)
    return result


@pytest.mark.parametrize("tokenizer", ["unicode", "default"])
def test_every_number_for_a_pair_agrees_across_outputs(tmp_path, tokenizer: str) -> None:
    """ROUGE-2 F1 of a derivative against its source: scores.csv, the tracking profile, the pairwise matrix,
    results.json and rows.csv all carry the same number (issue 9: the matrix used to say 0.0)."""
    result = ru_run(tmp_path, tokenizer)
    (score,) = [r for r in result.scores if (r.candidate, r.target, r.metric) == ("deriv", "src", "rouge2")]
    values = {"scores": score.f1}
    (tracked,) = [t for t in result.tracking if t.id == "deriv"]
    values["profile"] = tracked.profile.rouge["rouge2"].f1
    values["tracking row"] = result.results.tracking_values()[("ru", Ref("derivative", "deriv"))]["rouge2_f"]
    matrix = result.matrices["ru"]["rouge2_f1"]
    assert isinstance(matrix, Matrix)
    i, j = matrix.labels.index("deriv"), matrix.labels.index("src")
    values["matrix"], values["matrix mirrored"] = matrix.values[i][j], matrix.values[j][i]
    saved = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    (json_matrix,) = [m for m in saved["matrices"]["ru"] if m["metric"] == "rouge2_f1"]
    values["results.json matrix"] = json_matrix["values"][i][j]
    (json_profile,) = [t for t in saved["tracking"] if t["id"] == "deriv"]
    values["results.json tracking"] = json_profile["profile"]["rouge"]["rouge2"]["f1"]
    signature, rows = read_csv(tmp_path / "scores.csv")
    (csv_row,) = [r for r in rows if (r["candidate"], r["target"], r["metric"]) == ("deriv", "src", "rouge2")]
    values["scores.csv"] = float(csv_row["f1"])
    assert signature == result.signature and f"tok:{tokenizer}" in signature
    expected = pytest.approx(score.f1, abs=1e-6)
    assert all(v == expected for v in values.values()), values
    assert (score.f1 > 0.5) == (tokenizer == "unicode")  # the default tokenizer sees no Cyrillic tokens
