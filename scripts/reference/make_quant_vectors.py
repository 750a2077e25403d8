#!/usr/bin/env python3
"""Generate quantize/dequantize reference vectors from the `gguf` Python package.

The `gguf` package (the GGUF reader/writer maintained alongside llama.cpp) ships
numpy implementations of ggml's block formats in `gguf.quants`. This script
uses only its public entry points -- `gguf.quants.quantize`,
`gguf.quants.dequantize`, `gguf.GGMLQuantizationType` and
`gguf.GGML_QUANT_SIZES` -- as an independent reference for Roofline's
Swift (de)quantizers.

Output: Tests/Fixtures/quant/vectors.json

    {
      "generator": "gguf <version>",
      "numpy": "<version>",
      "seed": 1234,
      "cases": [
        {"type": "Q4_1", "type_id": 3, "block_size": 32, "type_size": 20,
         "name": "random_normal", "n": 128,
         "input": [...float32...], "quantized_hex": "...",
         "dequantized": [...float32...]},
        ...
      ],
      "dequant_only": [
        {"type": "Q4_K", "type_id": 12, "block_size": 256, "type_size": 144,
         "n": 512, "quantized_hex": "...", "dequantized": [...]},
        ...
      ]
    }

* "cases" covers every type gguf.quants can *quantize* (F16, BF16, Q4_0,
  Q4_1, Q5_0, Q5_1, Q8_0, MXFP4, TQ1_0, TQ2_0 with gguf 0.19). Each type gets
  three cases: "random_normal" (seeded N(0,1), 4 blocks; 1 block for the
  256-wide TQ1_0/TQ2_0), "edge" (a zero
  block, a constant block, a block with one huge outlier, a block of tiny
  subnormal-range values, a negative-only block) and "mixed_magnitudes"
  (N(0,1) scaled by 10^U(-4,3), same length as random_normal). For the scalar types F16/BF16 a
  "block" here means a run of 32 values.
* "dequant_only" covers every type gguf.quants can *dequantize*: 2 blocks of
  random bytes whose scale fields are overwritten with finite, moderate
  values (so the output is finite), plus gguf's dequantized output. K-quants
  and IQ types are only here because gguf.quants cannot quantize them. The
  grid-codebook i-quants (IQ1_*, IQ2_*, IQ3_*) are added only with
  --include-grid-iquants, to keep the default file under ~300 KB.

All floats are written as repr(float(np.float32(x))): the exact decimal
expansion of the float32 widened to double, so they parse back to the same
float32 bits whatever the parser does. quantized_hex is the raw little-endian
block bytes exactly as they would sit in a GGUF tensor.

Usage (from the repository root):

    python3 scripts/reference/make_quant_vectors.py
    python3 scripts/reference/make_quant_vectors.py --out Tests/Fixtures/quant/vectors.json --seed 1234

Requires: numpy and gguf (pip install gguf numpy).
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

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_OUT = os.path.join(REPO_ROOT, "Tests", "Fixtures", "quant", "vectors.json")

# Types the brief asks for first, in this order; any other type gguf can
# quantize is appended after them.
PREFERRED_QUANT = ["F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "MXFP4",
                   "Q4_K", "Q5_K", "Q6_K"]
# Types skipped entirely (F32 is the identity; integer/F64 types are not quants).
SKIP = {"F32", "F64", "I8", "I16", "I32", "I64"}
# Grid-based i-quants: dequant_only vectors only with --include-grid-iquants
# (they add ~75 KB). IQ4_NL / IQ4_XS (no grid) are always included.
GRID_IQUANTS = {"IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ3_XXS", "IQ3_S", "IQ1_S", "IQ1_M"}

SCALAR_GROUP = 32  # "block" size used for F16/BF16 test structure


def f32_list(a: np.ndarray) -> list[float]:
    a = np.asarray(a, dtype=np.float32).reshape(-1)
    if not np.all(np.isfinite(a)):
        raise ValueError("non-finite value in output")
    return [float(np.float32(x)) for x in a]


def to_hex(q: np.ndarray) -> str:
    return np.ascontiguousarray(q).view(np.uint8).tobytes().hex()


def block_info(t: QT) -> tuple[int, int]:
    return gguf.GGML_QUANT_SIZES[t]


def can_quantize(t: QT) -> bool:
    bs, _ = block_info(t)
    try:
        gguf.quants.quantize(np.zeros(bs * 8 if bs == 1 else bs, dtype=np.float32), t)
        return True
    except (NotImplementedError, gguf.quants.QuantError):
        return False


def can_dequantize(t: QT) -> bool:
    _, ts = block_info(t)
    try:
        with np.errstate(all="ignore"):
            gguf.quants.dequantize(np.zeros(ts, dtype=np.uint8), t)
        return True
    except NotImplementedError:
        return False


def group_len(t: QT) -> int:
    bs, _ = block_info(t)
    return SCALAR_GROUP if bs == 1 else bs


def make_inputs(t: QT, rng: np.random.Generator) -> list[tuple[str, np.ndarray]]:
    g = group_len(t)
    # 4 blocks for the 32-wide formats; the 256-wide ternary formats (TQ1_0,
    # TQ2_0) get 1 block so the file stays small.
    nb = 4 if g <= 64 else 1
    random_normal = rng.standard_normal(nb * g).astype(np.float32)

    zeros = np.zeros(g, dtype=np.float32)
    const = np.full(g, 0.8125, dtype=np.float32)
    outlier = (rng.standard_normal(g) * 0.02).astype(np.float32)
    outlier[g // 3] = 3.0e4  # huge, but still finite in f16 (max 65504)
    tiny = (rng.standard_normal(g) * 2.0e-6).astype(np.float32)  # f16 subnormal range (< 6.1e-5)
    tiny[0] = 5.9604645e-08  # smallest positive f16 subnormal
    tiny[1] = -1.0e-7
    negative = -np.abs(rng.standard_normal(g) + 0.1).astype(np.float32)
    edge = np.concatenate([zeros, const, outlier, tiny, negative]).astype(np.float32)

    mags = np.power(10.0, rng.uniform(-4.0, 3.0, size=nb * g))
    mixed = (rng.standard_normal(nb * g) * mags).astype(np.float32)

    return [("random_normal", random_normal), ("edge", edge), ("mixed_magnitudes", mixed)]


# --- random but valid block bytes for dequant_only ---------------------------

def _rand_f16_bits(rng: np.random.Generator, lo_exp: float, hi_exp: float, signed: bool) -> int:
    v = np.float16(2.0 ** rng.uniform(lo_exp, hi_exp))
    if signed and rng.random() < 0.5:
        v = -v
    return int(np.array([v], dtype=np.float16).view(np.uint16)[0])


def _put_u16(b: np.ndarray, off: int, val: int) -> None:
    b[off] = val & 0xFF
    b[off + 1] = (val >> 8) & 0xFF


# Byte offsets (within one block) of the f16 scale fields, per ggml's block
# structs (ggml-common.h). Second element: whether the field is a "min"/offset
# that may be negative.
F16_FIELDS: dict[str, list[tuple[int, bool]]] = {
    "Q4_0": [(0, True)],
    "Q4_1": [(0, True), (2, True)],
    "Q5_0": [(0, True)],
    "Q5_1": [(0, True), (2, True)],
    "Q8_0": [(0, True)],
    "Q2_K": [(80, False), (82, False)],
    "Q3_K": [(108, True)],
    "Q4_K": [(0, False), (2, False)],
    "Q5_K": [(0, False), (2, False)],
    "Q6_K": [(208, True)],
    "TQ1_0": [(52, True)],
    "TQ2_0": [(64, True)],
    "IQ2_XXS": [(0, True)],
    "IQ2_XS": [(0, True)],
    "IQ2_S": [(0, True)],
    "IQ3_XXS": [(0, True)],
    "IQ3_S": [(0, True)],
    "IQ1_S": [(0, True)],
    "IQ4_NL": [(0, True)],
    "IQ4_XS": [(0, True)],
}


def random_valid_blocks(t: QT, rng: np.random.Generator, n_blocks: int = 2) -> np.ndarray:
    bs, ts = block_info(t)
    name = t.name
    if name in ("F16", "BF16"):
        n = 2 * SCALAR_GROUP
        bits = rng.integers(0, 1 << 16, size=n, dtype=np.uint32).astype(np.uint16)
        if name == "F16":
            exp_mask, special = 0x7C00, [0x0000, 0x8000, 0x0001, 0x8001, 0x03FF, 0x0400, 0x7BFF, 0xFBFF, 0x3C00, 0x3555]
        else:
            exp_mask, special = 0x7F80, [0x0000, 0x8000, 0x0001, 0x8001, 0x007F, 0x0080, 0x7F7F, 0xFF7F, 0x3F80, 0x3EAB]
        bits = np.where((bits & exp_mask) == exp_mask, bits & ~np.uint16(0x4000), bits).astype(np.uint16)
        bits[: len(special)] = special
        return bits.view(np.uint8).copy()

    b = rng.integers(0, 256, size=n_blocks * ts, dtype=np.uint32).astype(np.uint8)
    for k in range(n_blocks):
        base = k * ts
        if name == "MXFP4":
            b[base] = int(rng.integers(118, 131))  # E8M0 exponent near 2^0
        elif name == "NVFP4":
            for j in range(4):
                b[base + j] = int(rng.integers(0x20, 0x50))  # UE4M3, bit 7 clear, not 0x7F
        elif name == "IQ1_M":
            # The f16 super-block scale is spread over the top nibble of the
            # four little-endian uint16 words in scales[] (bytes 48..55).
            d = _rand_f16_bits(rng, -10, -4, True)
            for j in range(4):
                hi = base + 48 + 2 * j + 1
                b[hi] = (b[hi] & 0x0F) | (((d >> (4 * j)) & 0x0F) << 4)
        elif name in F16_FIELDS:
            for off, signed in F16_FIELDS[name]:
                _put_u16(b, base + off, _rand_f16_bits(rng, -10, -3, signed))
        else:
            raise KeyError(f"no scale layout known for {name}")
    return b


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--include-grid-iquants", action="store_true",
                    help="also emit dequant_only vectors for IQ1_*/IQ2_*/IQ3_* (grid codebooks)")
    args = ap.parse_args()

    all_types = [t for t in QT if t.name not in SKIP]
    quant_types = [t for t in all_types if can_quantize(t)]
    order = {n: i for i, n in enumerate(PREFERRED_QUANT)}
    quant_types.sort(key=lambda t: (order.get(t.name, len(order)), t.value))
    deq_types = [t for t in all_types if can_dequantize(t)
                 and (args.include_grid_iquants or t.name not in GRID_IQUANTS)]
    deq_types.sort(key=lambda t: (order.get(t.name, len(order)), t.value))

    skipped = [n for n in PREFERRED_QUANT if n not in {t.name for t in quant_types}]
    if skipped:
        print(f"gguf.quants cannot quantize {skipped}; they appear only in dequant_only", file=sys.stderr)

    cases = []
    for t in quant_types:
        bs, ts = block_info(t)
        rng = np.random.default_rng([args.seed, t.value])
        for cname, x in make_inputs(t, rng):
            q = gguf.quants.quantize(x, t)
            raw = np.ascontiguousarray(q).view(np.uint8).reshape(-1)
            assert raw.size == (x.size // bs) * ts, (t.name, raw.size)
            d = gguf.quants.dequantize(raw.copy(), t)
            cases.append({
                "type": t.name, "type_id": int(t.value), "block_size": bs, "type_size": ts,
                "name": cname, "n": int(x.size),
                "input": f32_list(x),
                "quantized_hex": to_hex(raw),
                "dequantized": f32_list(d),
            })

    dequant_only = []
    for t in deq_types:
        bs, ts = block_info(t)
        rng = np.random.default_rng([args.seed, 1000 + t.value])
        raw = random_valid_blocks(t, rng)
        d = gguf.quants.dequantize(raw.copy(), t)
        dequant_only.append({
            "type": t.name, "type_id": int(t.value), "block_size": bs, "type_size": ts,
            "n": int(np.asarray(d).size),
            "quantized_hex": to_hex(raw),
            "dequantized": f32_list(d),
        })

    doc = {
        "generator": f"gguf {metadata.version('gguf')}",
        "numpy": np.__version__,
        "seed": args.seed,
        "float_format": "repr(float(np.float32(x))): exact float32 value",
        "note": "F16/BF16 have block_size 1; their test structure uses runs of 32 values.",
        "cases": cases,
        "dequant_only": dequant_only,
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(dump_compact(doc))
    size = os.path.getsize(args.out)
    print(f"wrote {args.out}: {len(cases)} cases ({', '.join(t.name for t in quant_types)}), "
          f"{len(dequant_only)} dequant_only ({', '.join(t.name for t in deq_types)}), {size} bytes")
    return 0


def dump_compact(doc: dict) -> str:
    """JSON with one case per line (keeps diffs readable and the file small)."""
    lines = ["{"]
    keys = list(doc.keys())
    for i, k in enumerate(keys):
        comma = "," if i < len(keys) - 1 else ""
        v = doc[k]
        if isinstance(v, list):
            lines.append(f"  {json.dumps(k)}: [")
            for j, item in enumerate(v):
                c = "," if j < len(v) - 1 else ""
                lines.append("    " + json.dumps(item, separators=(",", ":")) + c)
            lines.append("  ]" + comma)
        else:
            lines.append(f"  {json.dumps(k)}: {json.dumps(v)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
