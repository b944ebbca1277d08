"""What the hardware computes natively, for the precision rule `auto` (issues 12 and 18).

The sentence embedder (eval) and the Hugging Face summarizers (summarize/hf) both resolve `dtype: auto` to
bfloat16 where the device computes it natively and float32 elsewhere; the rule lives here, below both,
because summarize never imports eval. torch is imported only when a function is called.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any


def native_bf16(device: str = "cpu") -> bool:
    """Whether `device` computes bfloat16 matrix products in hardware (imports torch).

    CPU: AVX512-BF16 or AMX-BF16, from torch's own CPU feature detection. Not mkldnn's bf16 check, which also
    says yes for plain AVX-512 (bw/vl/dq), where bfloat16 is emulated and slower than float32. CUDA: the
    device's native bfloat16 (Ampere and later). Other devices (mps) and other CPUs: no, as not measured.
    """
    torch = import_torch()
    kind = device.split(":")[0]
    if kind == "cuda":
        return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported(including_emulation=False))
    if kind != "cpu":
        return False
    flags = _cpu_flags(torch)
    return bool(flags.get("avx512_bf16") or flags.get("amx_bf16"))


def _cpu_flags(torch: Any) -> dict[str, Any]:
    get = getattr(torch.cpu, "get_capabilities", None)  # torch >= 2.9
    if get is not None:
        return dict(get())
    try:  # older torch: the kernel's flags (Linux)
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    for line in text.splitlines():
        if line.startswith("flags"):
            return dict.fromkeys(line.split(":", 1)[-1].split(), True)
    return {}


def import_torch() -> Any:
    """torch, imported with OpenMP's waiting threads asleep unless the user chose (OMP_WAIT_POLICY).

    The default lets a thread spin for a core while it waits for the others. On a busy machine (issue 12)
    the core it waits for is someone else's, and the spinning burns the time it waits: 1,500 sentences in
    bfloat16 with 2 threads at load 4-6 took 11-34 s of wall and 9-19 s of CPU spinning, 4-5 s and 4 s
    passive (one thread: 4-6 s). OpenMP reads the setting once, when torch first loads it.
    """
    if "torch" not in sys.modules:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import torch

    return torch
