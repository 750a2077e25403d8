#!/usr/bin/env python3
"""Writes small safetensors files with the `safetensors` PyPI package (the format's reference implementation),
and the values they hold, for Tests/RooflineGGUFTests/SafetensorsTests.swift:

    Tests/Fixtures/safetensors/small.safetensors       one file, several dtypes, __metadata__
    Tests/Fixtures/safetensors/sharded/                two shards + model.safetensors.index.json
    Tests/Fixtures/safetensors/expected.json           names, dtypes, shapes, values (as floats)

    python3 -m pip install safetensors numpy ml_dtypes && python3 scripts/reference/make_safetensors_fixture.py
"""
import json
import os

import numpy as np
from safetensors.numpy import save_file

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures", "safetensors")


def main():
    rng = np.random.default_rng(7)
    small = {
        "model.embed_tokens.weight": rng.standard_normal((3, 4)).astype(np.float32),
        "model.norm.weight": rng.standard_normal(5).astype(np.float16),
        "counts": np.array([-3, 0, 7, 127, -128], dtype=np.int8),
        "bytes": np.array([0, 200, 255], dtype=np.uint8),
        "ids": np.array([1, -2, 3_000_000_000], dtype=np.int64),
        "mask": np.array([True, False, True]),
        "scalar": np.array(2.5, dtype=np.float64),
    }
    try:
        import ml_dtypes
        small["lm_head.weight"] = rng.standard_normal((2, 3)).astype(ml_dtypes.bfloat16)
        small["fp8"] = np.array([0.5, -448, 1e-3, 3.0], dtype=np.float32).astype(ml_dtypes.float8_e4m3fn)
    except ImportError:
        pass
    os.makedirs(os.path.join(ROOT, "sharded"), exist_ok=True)
    save_file(small, os.path.join(ROOT, "small.safetensors"), metadata={"format": "pt", "note": "roofline fixture"})

    shards = [{"a.weight": rng.standard_normal((2, 2)).astype(np.float32)},
              {"b.weight": rng.standard_normal(3).astype(np.float16), "c.bias": np.arange(4, dtype=np.float32)}]
    index = {"metadata": {"total_size": 0}, "weight_map": {}}
    for i, shard in enumerate(shards):
        name = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
        save_file(shard, os.path.join(ROOT, "sharded", name))
        for k in shard:
            index["weight_map"][k] = name
            index["metadata"]["total_size"] += shard[k].nbytes
    with open(os.path.join(ROOT, "sharded", "model.safetensors.index.json"), "w") as f:
        json.dump(index, f, indent=1)

    def describe(arrs):
        out = {}
        for k, v in arrs.items():
            vals = v.astype(np.float64).reshape(-1).tolist() if v.dtype != bool else [float(x) for x in v.reshape(-1)]
            out[k] = {"shape": list(v.shape), "values": vals, "dtype": str(v.dtype)}
        return out
    expected = {"small": describe(small), "metadata": {"format": "pt", "note": "roofline fixture"},
                "sharded": describe({k: v for s in shards for k, v in s.items()})}
    with open(os.path.join(ROOT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
    print("wrote", ROOT)


if __name__ == "__main__":
    main()
