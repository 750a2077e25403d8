#!/usr/bin/env python3
"""Compare two GGUF files tensor by tensor (type and raw bytes), e.g. `roofline quantize` against
`llama-quantize` output on the same source.

Usage: python3 scripts/compare_gguf_tensors.py A.gguf B.gguf [--metadata KEY ...]

Prints one line per tensor type pair (how many tensors, how many byte-identical), every tensor that differs,
and the listed metadata keys of both files. Exit status 0 when every tensor is identical in type and bytes.
Requires: numpy, gguf.
"""

from __future__ import annotations

import argparse
import collections
import sys

import numpy as np
from gguf import GGUFReader


def field_value(r: GGUFReader, key: str):
    f = r.fields.get(key)
    if f is None:
        return None
    v = f.parts[f.data[0]] if f.data else None
    return v.tolist() if v is not None else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--metadata", nargs="*", default=["general.file_type", "general.quantization_version"])
    args = ap.parse_args()
    ra, rb = GGUFReader(args.a), GGUFReader(args.b)
    ta = {t.name: t for t in ra.tensors}
    tb = {t.name: t for t in rb.tensors}
    groups: dict[tuple[str, str], list[int]] = collections.defaultdict(lambda: [0, 0])
    differing = []
    for name in sorted(set(ta) | set(tb)):
        a, b = ta.get(name), tb.get(name)
        if a is None or b is None:
            differing.append(f"{name}: only in {'B' if a is None else 'A'}")
            continue
        key = (a.tensor_type.name, b.tensor_type.name)
        groups[key][0] += 1
        same = a.tensor_type == b.tensor_type and np.array_equal(np.asarray(a.data).view(np.uint8), np.asarray(b.data).view(np.uint8))
        if same:
            groups[key][1] += 1
        else:
            da, db = np.asarray(a.data).view(np.uint8).reshape(-1), np.asarray(b.data).view(np.uint8).reshape(-1)
            nd = int((da != db).sum()) if da.size == db.size else -1
            differing.append(f"{name}: {key[0]} vs {key[1]}, {nd} of {da.size} bytes differ")
    for (x, y), (n, same) in sorted(groups.items()):
        print(f"{x:>6} vs {y:<6}: {n:4d} tensors, {same:4d} byte-identical")
    for line in differing:
        print("  differs:", line)
    for k in args.metadata:
        print(f"{k}: {field_value(ra, k)} vs {field_value(rb, k)}")
    return 0 if not differing else 1


if __name__ == "__main__":
    sys.exit(main())
