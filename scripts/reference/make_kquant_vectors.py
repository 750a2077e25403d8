#!/usr/bin/env python3
"""K-quant quantize vectors (Q2_K, Q3_K, Q4_K, Q5_K, Q6_K) made by llama.cpp's own ggml.

The `gguf` package can dequantize the K-quants but not quantize them, so the bytes come from ggml's C
quantizer, `ggml_quantize_chunk` with no importance matrix (the quantize_row_q*_K_ref path llama-quantize
takes without --imatrix), called through ctypes on a llama.cpp build's libggml-base. Each row is quantized
as one tensor row (nrows = 1, n_per_row = its length). Each case's dequantized values come from
gguf.quants.dequantize, so the two outside references are checked against each other's layout too.

Rows (float32, seeded): normal values, weight-like small values, all zeros, constants, positive-only and
negative-only rows, a large dynamic range (1e-6 .. 1e3 with random signs), values below the F16 normal
range, sparse rows with outliers, and a row whose 32-wide sub-blocks alternate between those kinds.
Lengths 256 .. 1024. Inputs, bytes and dequantized values are stored as hex (float32 little-endian for
floats) so every bit survives.

Output: Tests/Fixtures/quant/kquant_vectors.json.

Usage (repository root):

    python3 scripts/reference/make_kquant_vectors.py --lib /path/to/libggml-base.so

Requires: numpy, gguf and a llama.cpp build.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from importlib import metadata

import numpy as np
import gguf
from gguf import GGMLQuantizationType as QT

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_ggml_quant_vectors import load_ggml  # noqa: E402

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_OUT = os.path.join(REPO_ROOT, "Tests", "Fixtures", "quant", "kquant_vectors.json")
TYPES = ["Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"]


def rows(rng: np.random.Generator) -> list[tuple[str, np.ndarray]]:
    f = np.float32
    out = [
        ("normal_256", rng.standard_normal(256)),
        ("weights_1024", rng.standard_normal(1024) * 0.02),
        ("zeros_256", np.zeros(256)),
        ("constant_512", np.concatenate([np.full(256, 0.8125), np.full(256, -0.3)])),
        ("positive_only_256", np.abs(rng.standard_normal(256)) + 0.5),
        ("negative_only_512", -np.abs(rng.standard_normal(512))),
        ("wide_range_768", np.exp(rng.uniform(np.log(1e-6), np.log(1e3), 768)) * rng.choice([-1.0, 1.0], 768)),
        ("tiny_256", rng.standard_normal(256) * 1e-7),
    ]
    sparse = np.zeros(512)
    idx = rng.choice(512, 12, replace=False)
    sparse[idx] = rng.standard_normal(12) * 50
    out.append(("sparse_outliers_512", sparse))
    kinds = [lambda: rng.standard_normal(32), lambda: np.zeros(32), lambda: np.full(32, 2.5),
             lambda: -np.abs(rng.standard_normal(32)) * 1e-3, lambda: rng.standard_normal(32) * 100,
             lambda: np.abs(rng.standard_normal(32)) * 1e-5]
    mixed = np.concatenate([kinds[(i * 5 + i // 6) % len(kinds)]() for i in range(32)])
    out.append(("mixed_subblocks_1024", mixed))
    return [(n, np.ascontiguousarray(x, dtype=f)) for n, x in out]


def hexf(a: np.ndarray) -> str:
    a = np.asarray(a, dtype="<f4").reshape(-1)
    if not np.all(np.isfinite(a)):
        raise ValueError("non-finite value")
    return a.tobytes().hex()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lib", required=True, help="path to libggml-base.so of a llama.cpp build")
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=4242)
    args = ap.parse_args()

    ggml = load_ggml(args.lib)
    inputs = rows(np.random.default_rng(args.seed))
    cases = []
    for name in TYPES:
        t = QT[name]
        bs, ts = gguf.GGML_QUANT_SIZES[t]
        for rname, x in inputs:
            out = np.zeros(x.size // bs * ts, dtype=np.uint8)
            n = ggml.ggml_quantize_chunk(int(t.value), x.ctypes.data, out.ctypes.data, 0, 1, x.size, None)
            assert n == out.size, (name, n, out.size)
            d = np.asarray(gguf.quants.dequantize(out.copy(), t), dtype=np.float32).reshape(-1)
            assert d.size == x.size
            cases.append({"type": name, "row": rname, "n": int(x.size), "quantized_hex": out.tobytes().hex(),
                          "dequantized_f32_hex": hexf(d)})
    doc = {"generator": f"ggml_quantize_chunk ({os.path.basename(os.path.realpath(args.lib))}); dequantized by gguf {metadata.version('gguf')}",
           "seed": args.seed,
           "rows": [{"name": n, "n": int(x.size), "input_f32_hex": hexf(x)} for n, x in inputs],
           "cases": cases}
    with open(args.out, "w") as f:
        f.write("{\n")
        f.write(f' "generator": {json.dumps(doc["generator"])},\n "seed": {args.seed},\n')
        f.write(' "rows": [\n' + ",\n".join("  " + json.dumps(r) for r in doc["rows"]) + "\n ],\n")
        f.write(' "cases": [\n' + ",\n".join("  " + json.dumps(c) for c in cases) + "\n ]\n}\n")
    print(f"wrote {args.out}: {len(inputs)} rows x {len(TYPES)} types, {os.path.getsize(args.out)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
