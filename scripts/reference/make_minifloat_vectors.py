#!/usr/bin/env python3
"""Element conversion vectors for FP8 E4M3FN / E5M2, FP4 E2M1 and E8M0 from the `ml_dtypes` package.

For each of ml_dtypes' float8_e4m3fn, float8_e5m2, float4_e2m1fn and float8_e8m0fnu:
  * "decoded": every code (256, or 16 for E2M1) cast to float32, as float32 bit patterns;
  * "encoded": the code ml_dtypes gives for every input of the shared float32 sweep.
The sweep (float32 bit patterns, "inputs"): every value any of the four formats can represent, both signs;
the midpoints between neighbouring representable values (ties) and the float32 values one ulp either side;
the values just past each format's largest finite value; ±0, ±inf, NaNs with both signs and several payloads;
float32 subnormals; the largest float32; and seeded random bit patterns.

Output: Tests/Fixtures/quant/minifloat.json. Usage (repository root):

    python3 scripts/reference/make_minifloat_vectors.py

Requires: numpy and ml_dtypes (pip install numpy ml_dtypes).
"""

from __future__ import annotations

import argparse
import json
import os
from importlib import metadata

import ml_dtypes
import numpy as np

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_OUT = os.path.join(REPO_ROOT, "Tests", "Fixtures", "quant", "minifloat.json")
TYPES = ["float8_e4m3fn", "float8_e5m2", "float4_e2m1fn", "float8_e8m0fnu"]


def codes(name: str) -> np.ndarray:
    n = 16 if name == "float4_e2m1fn" else 256
    return np.arange(n, dtype=np.uint8)


def decode(name: str) -> np.ndarray:
    return codes(name).view(getattr(ml_dtypes, name)).astype(np.float32)


def bits(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float32).view(np.uint32)


def sweep(seed: int, n_random: int) -> np.ndarray:
    parts = []
    for name in TYPES:
        v = np.unique(np.abs(decode(name)[np.isfinite(decode(name))]).astype(np.float64))
        mids = (v[:-1] + v[1:]) / 2                           # exact in float64; exact in float32 for these formats
        top = v[-1] + (v[-1] - v[-2]) / 2                     # tie just past the largest finite value
        with np.errstate(over="ignore"):  # E8M0's 2^127 * 1.5 and * 2 overflow float32 to inf (kept as a special)
            vals = np.concatenate([v, mids, [top, v[-1] * 1.5, v[-1] * 2]]).astype(np.float32)
        u = bits(vals).astype(np.int64)
        near = np.concatenate([u, u - 1, u + 1])
        near = near[(near >= 0) & (near < 0x7F800000)]
        parts += [near, near | 0x80000000]
    special = [0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x7F800001,
               0xFF800001, 0x7FFFFFFF, 0xFFFFFFFF, 0x7F7FFFFF, 0xFF7FFFFF, 0x00000001, 0x80000001,
               0x00400000, 0x00400001, 0x003FFFFF, 0x00600000, 0x007FFFFF, 0x00800000, 0x00C00000,
               0x00BFFFFF, 0x7F000000, 0x7F400000, 0x7F3FFFFF, 0x7EC00000]
    rng = np.random.default_rng(seed)
    parts += [np.array(special, dtype=np.int64), rng.integers(0, 2**32, n_random, dtype=np.int64)]
    return np.unique(np.concatenate(parts)).astype(np.uint32)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--random", type=int, default=1500)
    args = ap.parse_args()

    inputs = sweep(args.seed, args.random)
    x = inputs.view(np.float32)
    formats = {}
    for name in TYPES:
        with np.errstate(all="ignore"):
            enc = x.astype(getattr(ml_dtypes, name)).view(np.uint8)
        formats[name] = {"decoded": [int(b) for b in bits(decode(name))], "encoded": [int(c) for c in enc]}
    doc = {
        "generator": f"ml_dtypes {metadata.version('ml_dtypes')}",
        "numpy": np.__version__,
        "seed": args.seed,
        "note": "decoded: float32 bit patterns of every code; encoded: the code of each float32 bit pattern in inputs",
        "inputs": [int(u) for u in inputs],
        "formats": formats,
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write("{\n" + ",\n".join(f"  {json.dumps(k)}: {json.dumps(v, separators=(',', ':'))}" for k, v in doc.items()) + "\n}\n")
    print(f"wrote {args.out}: {len(inputs)} inputs x {len(TYPES)} formats, {os.path.getsize(args.out)} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
