"""A tiny random-weight Llama-shaped chat model, and a real `transformers serve` process over it.

The model has a locally trained byte-level BPE tokenizer and a chat template of its own, so the server
applies a chat template exactly as it does for a real instruct model. Random weights write junk: tests
check the HTTP round trip, the cache and the records, never quality.

`transformers serve` runs as a child process bound to 127.0.0.1 on a free port; the helper waits for
/health, and `stop()` terminates the process (then kills it if it lingers).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.tiny_models import sentences

CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}<|end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
SPECIALS = ["<unk>", "<pad>", "<s>", "<|end|>", "<|system|>", "<|user|>", "<|assistant|>"]


def build_llama(folder: Path) -> Path:
    """Save a tiny Llama checkpoint (weights, tokenizer with chat template, generation config)."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    trained = Tokenizer(models.BPE(unk_token="<unk>"))
    # Metaspace pieces decode to whole words and spaces, so even random output reads as words.
    trained.pre_tokenizer = pre_tokenizers.Metaspace()
    trained.decoder = decoders.Metaspace()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=SPECIALS)
    trained.train_from_iterator(sentences(200), trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=trained,
        unk_token="<unk>",
        pad_token="<pad>",
        bos_token="<s>",
        eos_token="<|end|>",
        model_max_length=512,
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=512,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    model = LlamaForCausalLM(config)
    model.generation_config = GenerationConfig.from_model_config(config)
    model.generation_config.update(max_new_tokens=12, do_sample=False)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Serve:
    """`transformers serve FOLDER` on 127.0.0.1:port as a child process."""

    def __init__(self, model: Path, log: Path) -> None:
        self.model = model
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, wait_seconds: float = 300.0) -> Serve:
        cli = shutil.which("transformers", path=str(Path(sys.executable).parent)) or "transformers"
        env = dict(os.environ, OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1", TRANSFORMERS_VERBOSITY="error")
        command = [cli, "serve", str(self.model), "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--device", "cpu", "--log-level", "warning", "--default-seed", "0"]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        # A bounded wait for /health: the process imports transformers, FastAPI and loads the model.
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"transformers serve exited early:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=5) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"transformers serve did not answer in {wait_seconds} s:\n{self.log.read_text()}")

    def chat(self, content: str, **extra: object) -> dict[str, object]:
        """One plain chat request, for checking the server itself."""
        body = {"model": str(self.model), "messages": [{"role": "user", "content": content}], **extra}
        request = urllib.request.Request(
            f"{self.base_url}/chat/completions",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            return dict(json.load(response))

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)
