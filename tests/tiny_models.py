"""Tiny random-weight BART, PEGASUS, T5, LED, Llama and Qwen2 checkpoints with locally trained tokenizers.

Built in seconds, saved with save_pretrained and loaded back through the same from_pretrained path users
hit, by folder or by repo id from a hub-cache layout. Random weights write junk: tests check mechanics
(order, token records, cache hits, determinism), never quality.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path
from typing import Any

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (
    BartConfig,
    BartForConditionalGeneration,
    GenerationConfig,
    LEDConfig,
    LEDForConditionalGeneration,
    PegasusConfig,
    PegasusForConditionalGeneration,
    PegasusTokenizer,
    RobertaTokenizer,
    T5Config,
    T5ForConditionalGeneration,
    T5Tokenizer,
)

FAMILIES = ("bart", "pegasus", "t5", "led")
MAX_INPUT = 48  # small, so truncation and chunking happen on a few sentences
_WORDS = str.split(
    "the council voted on a new plan for the river park after months of debate and the mayor said "
    "residents will see work begin next spring while critics argued the cost was too high for a city "
    "that still faces budget gaps schools roads water bridges report committee federal state funding"
)


def sentences(count: int, seed: int = 0, words: int = 8) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "." for _ in range(count)]


def document(count: int, seed: int = 0) -> str:
    """A text of `count` generated sentences, one per line (the pipeline's canonical form)."""
    return "\n".join(sentences(count, seed=seed))


def _bpe_tokenizer(max_length: int) -> RobertaTokenizer:
    """A byte-level BPE like BART's and LED's, trained on the word list."""
    trained = Tokenizer(models.BPE())
    trained.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    trained.train_from_iterator(sentences(200), trainer=trainer)
    model = json.loads(trained.to_str())["model"]
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in model["merges"]]
    return RobertaTokenizer(vocab=model["vocab"], merges=merges, model_max_length=max_length)


def _unigram_vocab(specials: list[str]) -> list[tuple[str, float]]:
    trained = Tokenizer(models.Unigram())
    trained.pre_tokenizer = pre_tokenizers.Metaspace()
    trainer = trainers.UnigramTrainer(vocab_size=300, special_tokens=specials, unk_token="<unk>")
    trained.train_from_iterator(sentences(200), trainer=trainer)
    return [(piece, float(score)) for piece, score in json.loads(trained.to_str())["model"]["vocab"]]


def _t5_tokenizer(max_length: int) -> T5Tokenizer:
    vocab = _unigram_vocab(["<pad>", "</s>", "<unk>"])
    return T5Tokenizer(vocab=vocab, extra_ids=0, additional_special_tokens=[], model_max_length=max_length)


def _pegasus_tokenizer(max_length: int) -> PegasusTokenizer:
    specials = ["<pad>", "</s>", "<mask_1>", "<mask_2>", *(f"<unk_{i}>" for i in range(2, 5)), "<unk>"]
    return PegasusTokenizer(vocab=_unigram_vocab(specials), offset=5, model_max_length=max_length)


_SMALL = dict(encoder_layers=1, decoder_layers=1, encoder_attention_heads=2, decoder_attention_heads=2)
_SMALL |= dict(encoder_ffn_dim=32, decoder_ffn_dim=32, d_model=16)


def _model(family: str, tokenizer: object, positions: int) -> torch.nn.Module:
    ids = dict(
        vocab_size=len(tokenizer),  # type: ignore[arg-type]
        pad_token_id=tokenizer.pad_token_id,  # type: ignore[attr-defined]
        eos_token_id=tokenizer.eos_token_id,  # type: ignore[attr-defined]
    )
    if family == "bart":
        config = BartConfig(
            **_SMALL, **ids, bos_token_id=0, decoder_start_token_id=2, max_position_embeddings=positions
        )
        return BartForConditionalGeneration(config)
    if family == "led":
        config = LEDConfig(
            **_SMALL, **ids, bos_token_id=0, decoder_start_token_id=2, attention_window=[8],
            max_encoder_position_embeddings=positions, max_decoder_position_embeddings=positions,
        )  # fmt: skip
        return LEDForConditionalGeneration(config)
    if family == "pegasus":
        config = PegasusConfig(**_SMALL, **ids, decoder_start_token_id=0, max_position_embeddings=positions)
        return PegasusForConditionalGeneration(config)
    config = T5Config(
        vocab_size=ids["vocab_size"], pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
        d_model=16, d_kv=8, d_ff=32, num_layers=1, num_decoder_layers=1, num_heads=2,
    )  # fmt: skip
    return T5ForConditionalGeneration(config)


def build(family: str, folder: Path, *, max_input: int = MAX_INPUT, positions: int = 64) -> Path:
    """Save a tiny `family` checkpoint (tokenizer, weights, generation config) into `folder`."""
    tokenizer = {"bart": _bpe_tokenizer, "led": _bpe_tokenizer, "pegasus": _pegasus_tokenizer}.get(
        family, _t5_tokenizer
    )(max_input)
    torch.manual_seed(0)
    model = _model(family, tokenizer, positions)
    # The checkpoint's own generation defaults, which a config that sets nothing must keep.
    model.generation_config = GenerationConfig.from_model_config(model.config)
    model.generation_config.update(max_new_tokens=6, num_beams=1)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)  # type: ignore[attr-defined]
    return folder


def hub_cache(cache: Path, repo_id: str, checkpoint: Path, commit: str = "0" * 40) -> Path:
    """Lay `checkpoint` out as the hub cache does (models--org--name/snapshots/<commit>, refs/main)."""
    repo = cache / ("models--" + repo_id.replace("/", "--"))
    snapshot = repo / "snapshots" / commit
    shutil.copytree(checkpoint, snapshot, dirs_exist_ok=True)
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / "main").write_text(commit)
    return snapshot


# -- decoder-only (causal) models ---------------------------------------------------------------------------

CAUSAL_FAMILIES = ("llama", "qwen2")
CAUSAL_CONTEXT = 256  # prompt + text + new tokens: small, so truncation and chunking happen early
# Chat templates in the two common shapes: Llama-style role headers with a BOS, ChatML (Qwen2) without.
LLAMA_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}<|start|>{{ m['role'] }}\n{{ m['content'] }}<|end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|start|>assistant\n{% endif %}"
)
CHATML_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def _causal_tokenizer(family: str, template: str | None, context: int) -> object:
    """A byte-level BPE trained on the word list, with the family's special tokens and chat template."""
    from tokenizers import processors
    from transformers import PreTrainedTokenizerFast

    if family == "llama":
        specials = ["<unk>", "<s>", "</s>", "<|start|>", "<|end|>"]
        named = dict(unk_token="<unk>", bos_token="<s>", eos_token="</s>")
    else:
        specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
        named = dict(eos_token="<|endoftext|>", pad_token="<|endoftext|>")
    trained = Tokenizer(models.BPE())
    trained.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trained.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    trained.train_from_iterator(
        [*sentences(200), "Summarize the text. TL;DR: user assistant system"], trainer
    )
    if family == "llama":  # Llama's tokenizer puts a BOS before every plain text
        trained.post_processor = processors.TemplateProcessing(
            single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", trained.token_to_id("<s>"))]
        )
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=trained, model_max_length=context, **named)
    tokenizer.chat_template = template
    return tokenizer


def build_causal(
    family: str, folder: Path, *, chat: bool = True, context: int = CAUSAL_CONTEXT, seed: int = 0
) -> Path:
    """Save a tiny random Llama- or Qwen2-shaped causal LM, its tokenizer and chat template into `folder`."""
    from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

    template = (LLAMA_TEMPLATE if family == "llama" else CHATML_TEMPLATE) if chat else None
    tokenizer: Any = _causal_tokenizer(family, template, context)
    shape = dict(
        vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=context,
        eos_token_id=tokenizer.eos_token_id, tie_word_embeddings=False, initializer_range=0.2,
    )  # fmt: skip
    torch.manual_seed(seed)
    if family == "llama":
        model: torch.nn.Module = LlamaForCausalLM(
            LlamaConfig(**shape, bos_token_id=tokenizer.bos_token_id, pad_token_id=None)
        )
    else:
        model = Qwen2ForCausalLM(Qwen2Config(**shape, pad_token_id=tokenizer.pad_token_id))
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def build_causal_gguf(path: Path, *, seed: int = 0) -> Path:
    """Write a tiny random Llama-shaped chat model as a GGUF file (Q8_0 matrices, float32 norms), with the
    byte-level BPE tokenizer and chat template in its header, as llama.cpp's converter lays them out."""
    import numpy as np
    from gguf import GGMLQuantizationType, GGUFWriter, TokenType, quants

    tokenizer: Any = _causal_tokenizer("llama", LLAMA_TEMPLATE, CAUSAL_CONTEXT)
    vocab = tokenizer.get_vocab()
    tokens = sorted(vocab, key=vocab.__getitem__)
    model = json.loads(tokenizer.backend_tokenizer.to_str())["model"]
    merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
    hidden, ffn, heads, kv_heads, layers = 32, 64, 4, 2, 2  # Q8_0 blocks hold 32 values
    rng = np.random.default_rng(seed)

    def matrix(rows: int, columns: int) -> np.ndarray:
        return (rng.standard_normal((rows, columns)) * 0.2).astype(np.float32)

    writer = GGUFWriter(str(path), "llama")
    writer.add_name("tiny-llama")
    writer.add_block_count(layers)
    writer.add_context_length(CAUSAL_CONTEXT)
    writer.add_embedding_length(hidden)
    writer.add_feed_forward_length(ffn)
    writer.add_head_count(heads)
    writer.add_head_count_kv(kv_heads)
    writer.add_rope_freq_base(10000.0)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_rope_dimension_count(hidden // heads)
    writer.add_vocab_size(len(tokens))
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    specials = set(tokenizer.all_special_tokens) | {"<|start|>", "<|end|>"}
    writer.add_token_types([TokenType.CONTROL if t in specials else TokenType.NORMAL for t in tokens])
    writer.add_token_merges(merges)
    writer.add_bos_token_id(tokenizer.bos_token_id)
    writer.add_eos_token_id(tokenizer.eos_token_id)
    writer.add_unk_token_id(tokenizer.unk_token_id)
    writer.add_add_bos_token(False)
    writer.add_chat_template(LLAMA_TEMPLATE)

    def quantized(name: str, values: np.ndarray) -> None:
        q8 = GGMLQuantizationType.Q8_0
        writer.add_tensor(name, quants.quantize(values, q8), raw_dtype=q8)

    quantized("token_embd.weight", matrix(len(tokens), hidden))
    quantized("output.weight", matrix(len(tokens), hidden))
    writer.add_tensor("output_norm.weight", np.ones(hidden, dtype=np.float32))
    head = hidden // heads
    for i in range(layers):
        writer.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(hidden, dtype=np.float32))
        writer.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(hidden, dtype=np.float32))
        quantized(f"blk.{i}.attn_q.weight", matrix(hidden, hidden))
        quantized(f"blk.{i}.attn_k.weight", matrix(kv_heads * head, hidden))
        quantized(f"blk.{i}.attn_v.weight", matrix(kv_heads * head, hidden))
        quantized(f"blk.{i}.attn_output.weight", matrix(hidden, hidden))
        quantized(f"blk.{i}.ffn_gate.weight", matrix(ffn, hidden))
        quantized(f"blk.{i}.ffn_up.weight", matrix(ffn, hidden))
        quantized(f"blk.{i}.ffn_down.weight", matrix(hidden, ffn))
    path.parent.mkdir(parents=True, exist_ok=True)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
