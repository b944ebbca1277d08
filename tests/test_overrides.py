from __future__ import annotations

import pytest

from eval.overrides import apply_override
from summarize.errors import ConfigError


def test_values_are_read_as_yaml_and_paths_walk_keys_indexes_and_names() -> None:
    raw: dict = {"rouge": {"stem": True}, "systems": [{"name": "a", "type": "lead"}, {"name": "b"}]}
    apply_override(raw, "rouge.stem=false")
    apply_override(raw, "rouge.types=[rouge1, rouge2]")
    apply_override(raw, "systems[0].sentences=2")
    apply_override(raw, "systems.b.words=100")
    apply_override(raw, "systems.-1.truncate=no")
    apply_override(raw, "output.dir=out/run 1")
    assert raw == {
        "rouge": {"stem": False, "types": ["rouge1", "rouge2"]},
        "systems": [
            {"name": "a", "type": "lead", "sentences": 2},
            {"name": "b", "words": 100, "truncate": False},
        ],
        "output": {"dir": "out/run 1"},
    }


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("rouge.stem", "expected key.path=value"),
        ("=3", "empty key"),
        ("systems.c.words=1", "no item 'c'"),
        ("systems.7.words=1", "no item '7'"),
        ("name.first=x", "name is not a section"),
    ],
)
def test_bad_overrides_say_what_is_wrong(assignment: str, message: str) -> None:
    raw: dict = {"name": "run", "systems": [{"name": "a"}]}
    with pytest.raises(ConfigError, match=f"--set '{assignment}': .*{message}"):
        apply_override(raw, assignment)
