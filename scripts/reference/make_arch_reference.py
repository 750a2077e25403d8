#!/usr/bin/env python3
"""Small random-weight models of each supported architecture, and llama.cpp's outputs on them.

For every architecture in ARCHS this writes a GGUF with the `gguf` package -- a few layers, the tensor names
and metadata llama.cpp's loader expects, the default model's tokenizer metadata copied from the default model
file, F16 embedding/output and F32 layer weights -- then records what llama.cpp does with it:

  * greedy tokens (argmax of the raw logits, 32 steps) for three prompts, through libllama's C API
    (the ctypes bindings of llama-cpp-python 0.3.36, as make_llamacpp_reference.py uses them), with the
    smallest top-1/top-2 logit gap seen along the way (so a reader can see the parity check is not at a tie);
  * `llama-perplexity -c 128 --chunks 8` on Tests/Fixtures/text/eval.txt;
  * per-tensor checksums (float64 sum and first values), so the Swift tests, which build the same model
    themselves (Tests/RooflineTestSupport/ArchModel.swift), can prove their weights are these weights.

Writes Tests/Fixtures/llamacpp/arch_<name>.json (a few KB each). The GGUF files go to --work-dir.

Weights are deterministic and need no RNG library: value i of the k-th tensor written is
    z = splitmix64_finalizer(((k + 1) << 32) + i),   u = (z >> 11) * 2^-53 * 2 - 1   (float64, in [-1, 1))
    weight = float32(u * scale); norm weights = float32((1 + 0.1 * u) * (scale or 1)).
The output and embedding scales are large enough that greedy steps are not near-ties.

Usage (from the repository root, after `. /tmp/llamacpp/env.sh`):
    python3 scripts/reference/make_arch_reference.py [--arch qwen2 ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import numpy as np
import gguf

sys.path.insert(0, os.path.dirname(__file__))
from make_llamacpp_reference import (  # noqa: E402
    LlamaRef, import_llama_cpp, PPL_FINAL_RE, PPL_CHUNKS_RE, LOG_PREFIX_RE, REPO_ROOT, EVAL_TEXT_REL, write_json,
)

DEFAULT_MODEL = os.path.expanduser("~/.cache/roofline/models/SmolLM2-135M-Instruct.Q4_1.gguf")
PROMPTS = ["The capital of France is", "Once upon a time", "def fibonacci(n):"]
N_GEN = 32
PPL_CTX = 128
PPL_CHUNKS = 8  # the first 8 chunks of 128 tokens keep the Swift test short

# name: (layers, embd, heads, kv_heads, head_dim, ffn, rope_base, extra metadata)
ARCHS = {
    "llama": dict(layers=2, embd=64, heads=4, kv_heads=2, head_dim=16, ffn=128, rope_base=10000.0),
    "qwen2": dict(layers=2, embd=64, heads=4, kv_heads=2, head_dim=16, ffn=128, rope_base=1000000.0),
    # head_dim * heads (128) differs from embd (64), as in real Qwen3 models: needs attention.key_length.
    "qwen3": dict(layers=2, embd=64, heads=4, kv_heads=2, head_dim=32, ffn=128, rope_base=1000000.0),
    "phi3": dict(layers=2, embd=64, heads=4, kv_heads=2, head_dim=16, ffn=128, rope_base=10000.0),
    "gemma2": dict(layers=3, embd=64, heads=4, kv_heads=2, head_dim=32, ffn=128, rope_base=10000.0),
    # global layers at base 1e6, sliding ones at llama.cpp's gemma3 default base 10000
    "gemma3": dict(layers=3, embd=64, heads=4, kv_heads=2, head_dim=32, ffn=128, rope_base=1000000.0),
    # mixture of experts: 4 experts, 2 used per token
    "qwen3moe": dict(layers=2, embd=64, heads=4, kv_heads=2, head_dim=32, ffn=128, rope_base=1000000.0,
                     experts=4, experts_used=2, expert_ffn=64),
    "llama_moe": dict(arch="llama", layers=2, embd=64, heads=4, kv_heads=2, head_dim=16, ffn=128, rope_base=10000.0,
                      experts=4, experts_used=2, expert_ffn=128),
    # gpt-oss (LLM_ARCH_OPENAI_MOE): biases everywhere, attention sinks, MXFP4 experts with biases (swiglu_oai),
    # softmax over the selected router logits, sliding window on even layers, YaRN RoPE. feed_forward_length equals
    # the experts' width, as gpt-oss's converter writes both from intermediate_size.
    "gpt-oss": dict(layers=2, embd=64, heads=4, kv_heads=2, head_dim=16, ffn=64, rope_base=150000.0,
                    experts=4, experts_used=2, expert_ffn=64),
    # Granite: Llama's tensors with four multipliers (embedding, residual, attention score and logit scales).
    "granite": dict(layers=2, embd=64, heads=4, kv_heads=2, head_dim=16, ffn=128, rope_base=10000.0),
}
# Per-architecture metadata beyond the shape: a window shorter than the prompts and chunks so sliding matters,
# and soft-caps low enough that random scores reach them.
EXTRA_UINT32 = {"gemma2": {"attention.sliding_window": 4},
                "gemma3": {"attention.sliding_window": 4, "attention.sliding_window_pattern": 3}}
EXTRA_FLOAT32 = {"gemma2": {"attn_logit_softcapping": 2.0, "final_logit_softcapping": 20.0},
                 # scales away from 1 (and the attention's from 1/sqrt(16)) so that each one changes the result
                 "granite": {"embedding_scale": 3.0, "residual_scale": 0.5, "attention.scale": 0.2, "logit_scale": 0.5}}
# YaRN as gpt-oss ships it (factor 32 over 4096), scaled down so that the 512-token context exceeds the original.
EXTRA_UINT32["gpt-oss"] = {"attention.sliding_window": 4, "rope.scaling.original_context_length": 64}
EXTRA_FLOAT32["gpt-oss"] = {"rope.scaling.factor": 8.0}
EXTRA_STRING = {"gpt-oss": {"rope.scaling.type": "yarn"}}
CONTEXT = 512
RMS_EPS = 1e-6


def uniform(k: int, n: int) -> np.ndarray:
    """n values in [-1, 1) for the k-th tensor (float64), splitmix64's finalizer over a counter."""
    with np.errstate(over="ignore"):
        z = (np.uint64((k + 1) << 32) + np.arange(n, dtype=np.uint64)) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53 * 2 - 1


def tensor_plan(arch: str, s: dict) -> list[tuple[str, list[int], str, float]]:
    """(name, [cols, rows] as GGUF dims, kind, scale) in writing order; kind: f16, f32, mxfp4 or norm."""
    e, hd, ffn = s["embd"], s["head_dim"], s["ffn"]
    n_exp, fx = s.get("experts", 0), s.get("expert_ffn", 0)
    q, kv = s["heads"] * hd, s["kv_heads"] * hd
    gemma = arch in ("gemma2", "gemma3")
    if gemma:  # output tied to the embedding: a larger embedding scale peaks the logits instead
        plan = [("token_embd.weight", [e, 49152], "f16", 4.0), ("output_norm.weight", [e], "norm", 0.0)]
    else:
        plan = [("token_embd.weight", [e, 49152], "f16", 1.0),
                ("output_norm.weight", [e], "norm", 0.0),
                ("output.weight", [e, 49152], "f16", 4.0)]
    for l in range(s["layers"]):
        p = f"blk.{l}."
        plan += [(p + "attn_norm.weight", [e], "norm", 0.0)]
        if arch == "phi3":
            plan += [(p + "attn_qkv.weight", [e, q + 2 * kv], "f32", 0.3)]
        else:
            plan += [(p + "attn_q.weight", [e, q], "f32", 0.3),
                     (p + "attn_k.weight", [e, kv], "f32", 0.3),
                     (p + "attn_v.weight", [e, kv], "f32", 0.3)]
        if arch in ("qwen2", "gpt-oss"):
            plan += [(p + "attn_q.bias", [q], "f32", 0.5), (p + "attn_k.bias", [kv], "f32", 0.5),
                     (p + "attn_v.bias", [kv], "f32", 0.5)]
        if arch in ("qwen3", "qwen3moe", "gemma3"):
            plan += [(p + "attn_q_norm.weight", [hd], "norm", 0.0), (p + "attn_k_norm.weight", [hd], "norm", 0.0)]
        plan += [(p + "attn_output.weight", [q, e], "f32", 0.3)]
        if arch == "gpt-oss":
            plan += [(p + "attn_output.bias", [e], "f32", 0.5), (p + "attn_sinks.weight", [s["heads"]], "f32", 2.0),
                     (p + "post_attention_norm.weight", [e], "norm", 0.0),
                     (p + "ffn_gate_inp.weight", [e, n_exp], "f32", 1.0), (p + "ffn_gate_inp.bias", [n_exp], "f32", 0.5),
                     (p + "ffn_gate_exps.weight", [e, fx, n_exp], "mxfp4", 0.3), (p + "ffn_gate_exps.bias", [fx, n_exp], "f32", 0.5),
                     (p + "ffn_up_exps.weight", [e, fx, n_exp], "mxfp4", 0.3), (p + "ffn_up_exps.bias", [fx, n_exp], "f32", 0.5),
                     (p + "ffn_down_exps.weight", [fx, e, n_exp], "mxfp4", 0.3), (p + "ffn_down_exps.bias", [e, n_exp], "f32", 0.5)]
            continue
        if gemma:
            plan += [(p + "post_attention_norm.weight", [e], "norm", 8.0)]  # branches as large as the scaled embedding
        plan += [(p + "ffn_norm.weight", [e], "norm", 0.0)]
        if n_exp:
            plan += [(p + "ffn_gate_inp.weight", [e, n_exp], "f32", 1.0),
                     (p + "ffn_gate_exps.weight", [e, fx, n_exp], "f32", 0.3),
                     (p + "ffn_up_exps.weight", [e, fx, n_exp], "f32", 0.3),
                     (p + "ffn_down_exps.weight", [fx, e, n_exp], "f32", 0.3)]
        elif arch == "phi3":
            plan += [(p + "ffn_up.weight", [e, 2 * ffn], "f32", 0.3)]  # gate rows, then up rows
        else:
            plan += [(p + "ffn_gate.weight", [e, ffn], "f32", 0.3), (p + "ffn_up.weight", [e, ffn], "f32", 0.3)]
        if not n_exp:
            plan += [(p + "ffn_down.weight", [ffn, e], "f32", 0.3)]
        if gemma:
            plan += [(p + "post_ffw_norm.weight", [e], "norm", 8.0)]
    return plan


def tensor_values(k: int, dims: list[int], kind: str, scale: float) -> np.ndarray:
    n = int(np.prod(dims))
    u = uniform(k, n)
    v = (1 + 0.1 * u) * (scale or 1.0) if kind == "norm" else u * scale
    v = v.astype(np.float32)
    if kind == "f16":
        v = v.astype(np.float16)
    return v.reshape(list(reversed(dims)))


def stored(v: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """(what the GGUF holds, its values as float64): MXFP4 quantized by gguf.quants (Roofline's quantizer is
    byte-exact with it), the rest as is."""
    if kind != "mxfp4":
        return v, v.astype(np.float64)
    qv = gguf.quants.quantize(v, gguf.GGMLQuantizationType.MXFP4)
    return qv, gguf.quants.dequantize(qv, gguf.GGMLQuantizationType.MXFP4).astype(np.float64)


def copy_tokenizer(reader: gguf.GGUFReader, w: gguf.GGUFWriter) -> None:
    for key, f in reader.fields.items():
        if not key.startswith("tokenizer."):
            continue
        vtype = f.types[0]
        sub = f.types[1] if vtype == gguf.GGUFValueType.ARRAY else None
        w.add_key_value(key, f.contents(), vtype, sub_type=sub)


def write_model(name: str, path: str, default_model: str) -> list[dict]:
    s = ARCHS[name]
    arch = s.get("arch", name)
    w = gguf.GGUFWriter(path, arch)
    w.add_name("roofline-random")  # not the family name: llama.cpp sets Phi-3 token attributes by name
    w.add_context_length(CONTEXT)
    w.add_embedding_length(s["embd"])
    w.add_block_count(s["layers"])
    w.add_feed_forward_length(s["ffn"])
    w.add_head_count(s["heads"])
    w.add_head_count_kv(s["kv_heads"])
    w.add_rope_freq_base(s["rope_base"])
    w.add_layer_norm_rms_eps(RMS_EPS)
    w.add_rope_dimension_count(s["head_dim"])
    if s.get("experts"):
        w.add_expert_count(s["experts"])
        w.add_expert_used_count(s["experts_used"])
        if arch in ("qwen3moe", "gpt-oss"):
            w.add_expert_feed_forward_length(s["expert_ffn"])
    if s["head_dim"] * s["heads"] != s["embd"]:
        w.add_key_length(s["head_dim"])
        w.add_value_length(s["head_dim"])
    for k, v in EXTRA_UINT32.get(arch, {}).items():
        w.add_uint32(f"{arch}.{k}", v)
    for k, v in EXTRA_FLOAT32.get(arch, {}).items():
        w.add_float32(f"{arch}.{k}", v)
    for k, v in EXTRA_STRING.get(arch, {}).items():
        w.add_string(f"{arch}.{k}", v)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    copy_tokenizer(gguf.GGUFReader(default_model), w)
    sums = []
    for k, (name, dims, kind, scale) in enumerate(tensor_plan(arch, s)):
        v, values = stored(tensor_values(k, dims, kind, scale), kind)
        w.add_tensor(name, v, raw_dtype=gguf.GGMLQuantizationType.MXFP4 if kind == "mxfp4" else None)
        flat = values.ravel()
        sums.append({"name": name, "sum": float(flat.sum()), "first": [float(x) for x in flat[:4]]})
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return sums


def greedy_with_margins(ref: LlamaRef, prompt_tokens: list[int]) -> tuple[list[int], float]:
    L = ref.L
    L.llama_memory_clear(L.llama_get_memory(ref.ctx), True)
    logits = ref._decode(prompt_tokens)
    out, margin = [], float("inf")
    for step in range(N_GEN):
        top2 = np.sort(logits)[-2:]
        margin = min(margin, float(top2[1] - top2[0]))
        tok = int(np.argmax(logits))
        out.append(tok)
        if step + 1 < N_GEN:
            logits = ref._decode([tok])
    return out, margin


def perplexity(model: str, bin_dir: str) -> dict:
    cmd = [os.path.join(bin_dir, "llama-perplexity"), "-m", model, "-f", EVAL_TEXT_REL, "-c", str(PPL_CTX), "--chunks", str(PPL_CHUNKS), "-t", "2"]
    p = subprocess.run(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log = "\n".join(LOG_PREFIX_RE.sub("", ln) for ln in p.stdout.splitlines())
    m, mc = PPL_FINAL_RE.search(log), PPL_CHUNKS_RE.search(log)
    if p.returncode != 0 or not m or not mc:
        sys.stderr.write(log)
        raise RuntimeError("llama-perplexity failed")
    return {"ctx": PPL_CTX, "perplexity": float(m.group(1)), "chunks": int(mc.group(1)),
            "command": f"llama-perplexity -m random-ARCH.gguf -f {EVAL_TEXT_REL} -c {PPL_CTX} --chunks {PPL_CHUNKS} -t 2"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arch", action="append", choices=sorted(ARCHS))
    ap.add_argument("--default-model", default=DEFAULT_MODEL)
    ap.add_argument("--llama-bin-dir", default="/tmp/llamacpp/build/bin")
    ap.add_argument("--work-dir", default="/tmp/roofline-arch")
    args = ap.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    L = import_llama_cpp(args.llama_bin_dir)
    for arch in args.arch or sorted(ARCHS):
        path = os.path.join(args.work_dir, f"random-{arch}.gguf")
        sums = write_model(arch, path, args.default_model)
        ref = LlamaRef(L, path, 512, 2)
        cases = []
        for prompt in PROMPTS:
            ptoks = ref.tokenize(prompt, add_special=True, parse_special=False)
            toks, margin = greedy_with_margins(ref, ptoks)
            cases.append({"prompt": prompt, "prompt_tokens": ptoks, "tokens": toks, "min_top2_gap": margin})
            print(f"  {arch} {prompt!r}: min top-2 gap {margin:.3f}")
        ppl = perplexity(path, args.llama_bin_dir)
        print(f"  {arch}: PPL {ppl['perplexity']} over {ppl['chunks']} chunks")
        doc = {
            "architecture": ARCHS[arch].get("arch", arch),
            "generator": "scripts/reference/make_arch_reference.py; llama.cpp (llama-cpp-python 0.3.36 vendor)",
            "shape": ARCHS[arch],
            "context_length": CONTEXT,
            "rms_eps": RMS_EPS,
            "extra_uint32": EXTRA_UINT32.get(arch, {}),
            "extra_float32": EXTRA_FLOAT32.get(arch, {}),
            "extra_string": EXTRA_STRING.get(arch, {}),
            "greedy": "argmax of raw logits, n_ctx 512, 2 threads, 32 steps, no stop at EOG",
            "cases": cases,
            "perplexity": ppl,
            "tensors": sums,
        }
        write_json(os.path.join(REPO_ROOT, "Tests/Fixtures/llamacpp", f"arch_{arch}.json"), doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
