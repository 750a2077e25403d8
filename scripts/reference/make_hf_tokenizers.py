#!/usr/bin/env python3
"""Writes tokenizer.json files with Hugging Face `tokenizers` for llama.cpp's test vocabularies (llama-bpe,
qwen2, gpt-2 from models/ggml-vocab-*.gguf, fetched by scripts/fetch_llama_vocabs.py), each with its model
family's pre-tokenizer as the Hugging Face checkpoints spell it, and Hugging Face's ids for llama.cpp's test
strings (the .inp files), for the three-way tokenizer test in ImportTests.

The SentencePiece vocabularies (llama-spm, phi-3) become BPE models with byte_fallback, their merges made from
the GGUF scores as transformers' SentencePieceExtractor makes them (every split of a piece into two pieces,
ordered by the piece's score), spelled the two ways checkpoints spell them: llama-spm with Llama 2's
normalizer (Prepend ▁, Replace ' ' → ▁), phi-3 with the Metaspace pre-tokenizer (prepend_scheme first).

    python3 scripts/reference/make_hf_tokenizers.py VOCAB_DIR OUT_DIR
"""
import json
import os
import sys

import gguf
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers

LLAMA3 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
QWEN2 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"


def split_then_bytes(pattern):
    return pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(pattern), behavior="isolated", invert=False),
                                    pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])


VOCABS = {
    "llama-bpe": lambda: split_then_bytes(LLAMA3),
    "qwen2": lambda: split_then_bytes(QWEN2),
    "gpt-2": lambda: pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
}


SPM = {"llama-spm": "normalizer", "phi-3": "metaspace"}


def spm_merges(tokens, scores, types):
    """transformers' SentencePieceExtractor.extract(vocab_scores): merges from scores."""
    base = 1 + max(i for i, t in enumerate(types) if int(t) in (1, 6))  # added tokens (phi-3's) lie past it
    vocab = {t: i for i, t in enumerate(tokens[:base])}
    merges = []
    for piece, i in vocab.items():
        local = [(piece[:k], piece[k:], scores[i]) for k in range(1, len(piece)) if piece[:k] in vocab and piece[k:] in vocab]
        merges.extend(sorted(local, key=lambda x: (vocab[x[0]], vocab[x[1]])))
    return vocab, [(a, b) for a, b, _ in sorted(merges, key=lambda m: m[2], reverse=True)]


def spm_tokenizer(name, tokens, scores, types, unk_id):
    vocab, merges = spm_merges(tokens, scores, types)
    unk = tokens[int(unk_id)]
    tk = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token=unk, fuse_unk=True, byte_fallback=True))
    if SPM[name] == "normalizer":
        tk.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
        tk.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    else:
        tk.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False)
        tk.decoder = decoders.Sequence([decoders.Metaspace(replacement="▁", prepend_scheme="first", split=False), decoders.ByteFallback()])
    # Control and user-defined tokens as added tokens, at their ids (phi-3's lie past the base vocabulary).
    added = [(i, t) for i, t in enumerate(tokens) if int(types[i]) in (3, 4) and not t.startswith("[PAD")]
    for i, t in added:
        tk.add_special_tokens([AddedToken(t, special=int(types[i]) == 3, normalized=False)]) if int(types[i]) == 3 \
            else tk.add_tokens([AddedToken(t, special=False, normalized=False)])
        assert tk.token_to_id(t) == i, (name, t, tk.token_to_id(t), i)
    return tk


def field(r, key):
    f = r.fields.get(key)
    return None if f is None else f.contents()


def main():
    vocab_dir, out_dir = sys.argv[1], sys.argv[2]
    for name in list(VOCABS) + list(SPM):
        path = os.path.join(vocab_dir, f"ggml-vocab-{name}.gguf")
        r = gguf.GGUFReader(path)
        tokens, types, merges = field(r, "tokenizer.ggml.tokens"), field(r, "tokenizer.ggml.token_type"), field(r, "tokenizer.ggml.merges")
        if name in SPM:
            tk = spm_tokenizer(name, tokens, field(r, "tokenizer.ggml.scores"), types, field(r, "tokenizer.ggml.unknown_token_id"))
        else:
            specials = [i for i, t in enumerate(types) if int(t) == 3]
            tk = Tokenizer(models.BPE(vocab={t: i for i, t in enumerate(tokens)}, merges=[tuple(m.split(" ", 1)) for m in merges],
                                      fuse_unk=False))
            tk.pre_tokenizer = VOCABS[name]()
            tk.decoder = decoders.ByteLevel()
            tk.add_special_tokens([AddedToken(tokens[i], special=True, normalized=False) for i in specials])
        d = os.path.join(out_dir, name)
        os.makedirs(d, exist_ok=True)
        tk.save(os.path.join(d, "tokenizer.json"))
        cfg = {}
        for key, hf in (("bos", "bos_token"), ("eos", "eos_token"), ("unknown", "unk_token")):
            i = field(r, f"tokenizer.ggml.{key}_token_id")
            if i is not None:
                cfg[hf] = tokens[int(i)]
        with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
            json.dump(cfg, f)
        # Split as llama.cpp's test-tokenizer-0 (and ReferenceVocabularies.cases) split the .inp file.
        raw = open(path + ".inp", "rb").read().decode("utf-8", errors="replace")
        texts = raw.split("\n__ggml_vocab_test__\n")
        expected = [{"text": t, "ids": tk.encode(t, add_special_tokens=False).ids} for t in texts]
        with open(os.path.join(d, "expected.json"), "w", encoding="utf-8") as f:
            json.dump({"vocab_size": len(tokens), "cases": expected}, f, ensure_ascii=False)
        print(f"{name}: {len(tokens)} tokens, {len(expected)} cases")


if __name__ == "__main__":
    main()
