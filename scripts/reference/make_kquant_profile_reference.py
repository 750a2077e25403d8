#!/usr/bin/env python3
"""The tensor types llama-quantize chooses for its K-quant mixes (Q3_K_S .. Q5_K_M), on two models.

For each model this runs `llama-quantize IN OUT <PROFILE>` (no importance matrix) for every profile in
PROFILES and records, with the gguf reader, the type each tensor was stored as, together with the
tensor list (name, row length, dimensions) and the model facts the mixes read (architecture, block count,
head counts, whether output.weight exists). The Swift test recomputes every type from the tensor list
(QuantProfile, then ModelQuantizer's block-size fallback) and compares.

Models:
  * --model FILE: e.g. the float32 copy of the default model (SmolLM2-135M: 30 layers, tied embeddings,
    576-wide rows, so most tensors take the 32-block fallback);
  * a synthetic llama written here with make_arch_reference.py's writer (16 layers, 256-wide rows that
    are whole K-quant blocks, separate output.weight, 4 heads over 1 KV head).

Output: Tests/Fixtures/quant/kquant_profiles.json. Model files and quantized copies go to --work-dir.

Usage (repository root, after `. /tmp/llamacpp/env.sh`):

    python3 scripts/reference/make_kquant_profile_reference.py --model /path/to/smollm2-F32.gguf \
        --default-model ~/.cache/roofline/models/SmolLM2-135M-Instruct.Q4_1.gguf

Requires: numpy, gguf and a llama.cpp build (llama-quantize on PATH or in $LLAMA_BIN_DIR).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from gguf import GGUFReader

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_arch_reference as arch_ref  # noqa: E402

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_OUT = os.path.join(REPO_ROOT, "Tests", "Fixtures", "quant", "kquant_profiles.json")
PROFILES = ["Q3_K_S", "Q3_K_M", "Q3_K_L", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M"]
SYNTHETIC = dict(arch="llama", layers=16, embd=256, heads=4, kv_heads=1, head_dim=64, ffn=512, rope_base=10000.0)


def field(r: GGUFReader, key: str):
    f = r.fields.get(key)
    if f is None or not f.data:
        return None
    v = f.contents()
    return v


def describe(path: str) -> dict:
    r = GGUFReader(path)
    arch = field(r, "general.architecture")
    tensors = [[t.name, int(t.shape[0]), len(t.shape)] for t in r.tensors]
    return {"architecture": arch, "block_count": int(field(r, f"{arch}.block_count")),
            "head_count": int(field(r, f"{arch}.attention.head_count")),
            "head_count_kv": int(field(r, f"{arch}.attention.head_count_kv")),
            "has_output": any(t[0] == "output.weight" for t in tensors), "tensors": tensors}


def run_profiles(name: str, path: str, work: str, tool: str) -> dict:
    d = describe(path)
    d["name"] = name
    d["profiles"] = {}
    for p in PROFILES:
        out = os.path.join(work, f"{name}-{p}.gguf")
        subprocess.run([tool, path, out, p, "2"], check=True, capture_output=True)
        d["profiles"][p] = {t.name: t.tensor_type.name for t in GGUFReader(out).tensors if len(t.shape) >= 2}
        os.remove(out)
    return d


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="a float32 GGUF (e.g. the default model dequantized)")
    ap.add_argument("--default-model", required=True, help="the default model, for its tokenizer metadata")
    ap.add_argument("--work-dir", default="/tmp/roofline-kquant-profiles")
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    tool = os.path.join(os.environ.get("LLAMA_BIN_DIR", ""), "llama-quantize") if os.environ.get("LLAMA_BIN_DIR") else "llama-quantize"
    arch_ref.ARCHS["kquant_llama"] = SYNTHETIC
    synthetic = os.path.join(args.work_dir, "kquant_llama.gguf")
    arch_ref.write_model("kquant_llama", synthetic, args.default_model)
    models = [run_profiles(os.path.basename(args.model), args.model, args.work_dir, tool),
              run_profiles("synthetic-llama-16x256", synthetic, args.work_dir, tool)]
    with open(args.out, "w") as f:
        f.write("{\n \"generator\": \"llama-quantize (llama-cpp-python 0.3.36's llama.cpp), no imatrix\",\n \"models\": [\n")
        f.write(",\n".join("  " + json.dumps(m, separators=(",", ":")) for m in models))
        f.write("\n ]\n}\n")
    print(f"wrote {args.out}: {len(models)} models x {len(PROFILES)} profiles, {os.path.getsize(args.out)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
