#!/usr/bin/env python3
"""Quantize vectors for types the `gguf` package can only dequantize, made by llama.cpp's own ggml.

gguf.quants cannot quantize NVFP4 (nor the K-quants), so this script calls ggml's C quantizer,
`ggml_quantize_chunk` (no importance matrix: the quantize_row_*_ref path llama-quantize takes), from a
llama.cpp build's libggml-base through ctypes, on the same inputs make_quant_vectors.py uses. Each case's
"dequantized" field comes from gguf.quants.dequantize, so the two outside references are checked against
each other too (the script fails if ggml's bytes and gguf's dequantizer disagree on the block length).

Output: Tests/Fixtures/quant/ggml_vectors.json, with the "cases" layout of vectors.json.

Usage (repository root; the library from a llama.cpp build, e.g. llama-cpp-python's vendored tree):

    python3 scripts/reference/make_ggml_quant_vectors.py --lib /path/to/libggml-base.so

Requires: numpy, gguf and a llama.cpp build.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import sys
from importlib import metadata

import numpy as np
import gguf
from gguf import GGMLQuantizationType as QT

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_quant_vectors import REPO_ROOT, dump_compact, f32_list, make_inputs, to_hex  # noqa: E402

DEFAULT_OUT = os.path.join(REPO_ROOT, "Tests", "Fixtures", "quant", "ggml_vectors.json")
TYPES = ["NVFP4"]


def load_ggml(lib: str) -> ctypes.CDLL:
    """libggml-base of a llama.cpp build, with ggml_quantize_chunk's signature declared."""
    ggml = ctypes.CDLL(lib)
    ggml.ggml_quantize_chunk.restype = ctypes.c_size_t
    ggml.ggml_quantize_chunk.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64,
                                         ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]
    return ggml


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lib", required=True, help="path to libggml-base.so of a llama.cpp build")
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args()

    ggml = load_ggml(args.lib)
    cases = []
    for name in TYPES:
        t = QT[name]
        bs, ts = gguf.GGML_QUANT_SIZES[t]
        rng = np.random.default_rng([args.seed, t.value])
        for cname, x in make_inputs(t, rng):
            x = np.ascontiguousarray(x, dtype=np.float32)
            out = np.zeros(x.size // bs * ts, dtype=np.uint8)
            n = ggml.ggml_quantize_chunk(int(t.value), x.ctypes.data, out.ctypes.data, 0, 1, x.size, None)
            assert n == out.size, (name, n, out.size)
            d = gguf.quants.dequantize(out.copy(), t)
            assert np.asarray(d).size == x.size
            cases.append({"type": name, "type_id": int(t.value), "block_size": bs, "type_size": ts,
                          "name": cname, "n": int(x.size), "input": f32_list(x),
                          "quantized_hex": to_hex(out), "dequantized": f32_list(d)})
    doc = {"generator": f"ggml_quantize_chunk ({os.path.basename(os.path.realpath(args.lib))}); dequantized by gguf {metadata.version('gguf')}",
           "seed": args.seed, "cases": cases}
    with open(args.out, "w") as f:
        f.write(dump_compact(doc))
    print(f"wrote {args.out}: {len(cases)} cases ({', '.join(TYPES)}), {os.path.getsize(args.out)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
