#!/usr/bin/env python3
"""Rewrites a float32 GGUF model the way NVFP4 checkpoints (ModelOpt) are laid out for llama.cpp: every attention
and dense FFN weight W of the blocks becomes W / s2 with s2 = amax(W) / (6 * 448), and a `<weight>.scale` tensor
(F32, shape [1]) holds s2, which llama.cpp multiplies into that matmul's result (its converter's
`_write_scale_tensor`). Quantizing the result to NVFP4 (`roofline quantize OUT Q --type nvfp4`, which keeps the
scales) gives a file with per-tensor second scales to run in llama.cpp and in Roofline. Uses the `gguf` package.

    python3 scripts/reference/add_tensor_scales.py MODEL-F32.gguf OUT.gguf
"""
import re
import sys

import gguf
import numpy as np

SCALED = re.compile(r"^blk\.\d+\.(attn_q|attn_k|attn_v|attn_output|ffn_gate|ffn_up|ffn_down)\.weight$")


def main():
    src, out = sys.argv[1:3]
    r = gguf.GGUFReader(src)
    arch = r.fields["general.architecture"].contents()
    w = gguf.GGUFWriter(out, arch)
    for name, f in r.fields.items():
        if name.startswith("GGUF.") or name == "general.architecture":
            continue
        t = f.types[0]
        if t == gguf.GGUFValueType.ARRAY:
            w.add_key_value(name, f.contents(), t, sub_type=f.types[1])
        else:
            w.add_key_value(name, f.contents(), t)
    n = 0
    for t in r.tensors:
        assert t.tensor_type == gguf.GGMLQuantizationType.F32, f"{t.name} is not F32"
        v = np.array(t.data, dtype=np.float32)
        if SCALED.match(t.name):
            s2 = np.float32(np.abs(v).max() / np.float32(6 * 448))
            w.add_tensor(t.name, (v / s2).astype(np.float32))
            w.add_tensor(t.name.replace(".weight", ".scale"), np.array([s2], dtype=np.float32))
            n += 1
        else:
            w.add_tensor(t.name, v)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"wrote {out}: {n} weights with a .scale tensor")


if __name__ == "__main__":
    main()
