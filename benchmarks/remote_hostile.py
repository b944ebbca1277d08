"""What a misbehaving server costs `sumtrack run`: seconds and peak memory per case (issue 20).

Each case runs `sumtrack run` in a child process on a two-cluster config (lead-1 beside one `type: openai`
system) against tests/hostile_server.py on 127.0.0.1, and prints the child's wall time, its peak RSS, its
exit code and the remote system's one stderr line. `ctrl-c` sends SIGINT once the request reaches a
dripping server (timeout 60 s) and prints how long the child took to exit after it.

    python -m benchmarks.remote_hostile [--timeout 5]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.hostile_server import Hostile
from tests.test_remote_hostile import ENV, KEY, write_config

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = "import sys; from eval.cli import main; sys.exit(main(sys.argv[1:]))"


def one_case(server: Hostile, mode: str, settings: dict[str, Any], interrupt: bool = False) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        cfg = write_config(Path(folder), {"base_url": server.url(mode)} | settings)
        env = os.environ | {"PYTHONPATH": str(ROOT), ENV: KEY}
        server.arrived.clear()
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-c", SCRIPT, "run", str(cfg)],
            cwd=folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        signalled = None
        if interrupt:
            server.arrived.wait(120)
            signalled = time.perf_counter()
            child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=300)
        ended = time.perf_counter()
        # ru_maxrss of the children waited for so far: the largest child, in KiB on Linux.
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        lines = [ln for ln in err.splitlines() if "'remote'" in ln or "interrupted" in ln]
        return {
            "case": mode + (" + SIGINT" if interrupt else ""),
            "seconds": round(ended - (signalled or started), 2),
            "peak_rss_mib_so_far": round(peak, 1),
            "exit": child.returncode,
            "line": (lines[-1] if lines else "")[:160],
            "key_in_stderr": KEY in err,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=5.0)
    args = parser.parse_args()
    cases: list[tuple[str, dict[str, Any], bool]] = [
        ("ok", {}, False),
        ("drip", {"timeout": args.timeout}, False),
        ("silent", {"timeout": args.timeout}, False),
        ("oversize", {}, False),
        ("chunked", {}, False),
        ("echo-401", {}, False),
        ("drip", {"timeout": 60}, True),
    ]
    with Hostile() as server:
        for mode, settings, interrupt in cases:
            print(json.dumps(one_case(server, mode, settings, interrupt)), flush=True)


if __name__ == "__main__":
    main()
