"""The hardware rule behind `dtype: auto` (issues 12 and 18): bfloat16 only where it is computed natively."""

from __future__ import annotations

import platform
from pathlib import Path

import pytest
import torch

from summarize import hardware


@pytest.mark.parametrize(
    ("flags", "native"),
    [
        ({"avx512_f": True, "avx512_bw": True, "avx512_vl": True, "avx512_dq": True}, False),  # emulated
        ({"avx512_f": True, "avx512_bf16": True}, True),
        ({"amx_tile": True, "amx_bf16": True}, True),
        ({"neon": True, "bf16": True}, False),  # ARM: not measured, float32
    ],
)
def test_native_bf16_reads_torchs_cpu_flags(monkeypatch, flags, native):
    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: flags)
    assert hardware.native_bf16("cpu") is native
    assert hardware.native_bf16("mps") is False


def test_native_bf16_agrees_with_the_kernels_cpu_flags():
    cpuinfo = Path("/proc/cpuinfo")
    if platform.machine() not in ("x86_64", "AMD64") or not cpuinfo.is_file():
        pytest.skip("needs Linux on x86-64")
    flags = next(line for line in cpuinfo.read_text().splitlines() if line.startswith("flags")).split()
    assert hardware.native_bf16("cpu") is ("avx512_bf16" in flags or "amx_bf16" in flags)


def test_cuda_counts_only_native_bfloat16(monkeypatch):
    asked: list[bool] = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)

    def supported(including_emulation: bool = True) -> bool:
        asked.append(including_emulation)
        return not including_emulation  # an older GPU: emulated only

    monkeypatch.setattr(torch.cuda, "is_bf16_supported", supported)
    assert hardware.native_bf16("cuda:1") is True and asked == [False]


def test_the_hf_backend_resolves_auto_by_the_same_rule(monkeypatch):
    from summarize.hf import backend

    for native, expected in ((True, torch.bfloat16), (False, torch.float32)):
        monkeypatch.setattr(backend, "native_bf16", lambda device="cpu", native=native: native)
        assert backend.requested_dtype("auto", torch.device("cpu")) is expected
    assert backend.requested_dtype("float32", torch.device("cpu")) is torch.float32
