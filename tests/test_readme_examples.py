"""The README's YAML examples of systems validate as written (a user copies them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from summarize import registry
from summarize.hf.config import CausalParams

README = Path(__file__).resolve().parents[1] / "README.md"


def _readme_systems() -> list[dict[str, object]]:
    systems = []
    for block in re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.S):
        data = yaml.safe_load(block)
        if isinstance(data, dict) and isinstance(data.get("systems"), list):
            systems.extend(data["systems"])
    return systems


def test_the_readme_has_system_examples_of_every_model_type() -> None:
    types = {system["type"] for system in _readme_systems()}
    assert {"seq2seq", "causal", "openai", "outputs"} <= types


@pytest.mark.parametrize("system", _readme_systems(), ids=lambda s: str(s["name"]))
def test_every_readme_system_example_validates(system: dict[str, object]) -> None:
    settings = {k: v for k, v in system.items() if k not in ("name", "type")}
    registry.get(str(system["type"])).params.model_validate(settings)


def test_unquoted_yaml_yes_and_no_are_chat_modes() -> None:
    # YAML 1.1 reads `chat: no` as False; the README writes it unquoted.
    assert CausalParams.model_validate(yaml.safe_load("{model: m, chat: no}")).chat == "no"
    assert CausalParams.model_validate(yaml.safe_load("{model: m, chat: yes}")).chat == "yes"
    assert CausalParams.model_validate({"model": "m", "chat": "auto"}).chat == "auto"
