"""The evaluation config: YAML into typed, frozen models, validated when loaded.

Unknown keys fail with their path and a suggestion (`systems[2].num_beam: unknown key; did you mean
'num_beams'?`). Paths in a config are relative to the config file. `--set key.path=value` overrides are
applied to the raw YAML before validation, so they are checked exactly like the file.
"""

from eval.config.checks import _torch_gpu_build, check_config, check_files, check_models, device_problem
from eval.config.loaded import RESERVED_IDS, ClusterFiles, LoadedConfig, SystemConfig, id_clashes
from eval.config.loading import MAX_CONFIG_BYTES, MAX_CONFIG_VALUES, format_errors, load, load_data, resolved
from eval.config.schema import (
    AggregateSpec,
    CleaningSpec,
    ClusterSpec,
    Config,
    CorpusSpec,
    DatasetSpec,
    DocSpec,
    ExecutionSpec,
    OutputSpec,
    RougeSpec,
    SentencesSpec,
    SystemSpec,
    TrackingSpec,
)
from summarize.errors import ConfigError

__all__ = [
    "MAX_CONFIG_BYTES",
    "MAX_CONFIG_VALUES",
    "RESERVED_IDS",
    "AggregateSpec",
    "CleaningSpec",
    "ClusterFiles",
    "ClusterSpec",
    "Config",
    "ConfigError",
    "CorpusSpec",
    "DatasetSpec",
    "DocSpec",
    "ExecutionSpec",
    "LoadedConfig",
    "OutputSpec",
    "RougeSpec",
    "SentencesSpec",
    "SystemConfig",
    "SystemSpec",
    "TrackingSpec",
    "_torch_gpu_build",
    "check_config",
    "check_files",
    "check_models",
    "device_problem",
    "format_errors",
    "id_clashes",
    "load",
    "load_data",
    "resolved",
]
