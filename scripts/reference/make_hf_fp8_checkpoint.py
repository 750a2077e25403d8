#!/usr/bin/env python3
"""Makes an FP8 checkpoint folder in llm-compressor's compressed-tensors layout ("float-quantized") from a float
checkpoint folder (e.g. one written by make_hf_checkpoint.py), and beside it the same weights dequantized to
float32, with the reference libraries: codes cast by `ml_dtypes` (float8_e4m3fn), files written by `safetensors`.

Every linear weight of the layers (q/k/v/o, gate/up/down) becomes F8_E4M3 codes plus `<name>.weight_scale`, as
llm-compressor writes them: q/k/v/gate/up per output channel (scale shape [out, 1], BF16, amax / 448 rounded to
BF16 first), o_proj and down_proj per tensor (shape [1], F32); codes = float8_e4m3fn(clip(w / scale, -448, 448)).
Each also gets a static `input_scale` (F32, [1]), which Roofline accepts and does not use. Embeddings, norms and
lm_head stay as they are (llm-compressor's usual `ignore: ["lm_head"]`). The dequantized folder holds
float32(code) * scale in float32, which is what the FP8 tensors mean.

    python3 scripts/reference/make_hf_fp8_checkpoint.py FLOAT_FOLDER FP8_FOLDER DEQUANT_FOLDER
"""
import json
import os
import shutil
import sys

import ml_dtypes
import numpy as np
from safetensors.numpy import load_file, save_file

PER_CHANNEL = ("q_proj", "k_proj", "v_proj", "gate_proj", "up_proj")
PER_TENSOR = ("o_proj", "down_proj")


def quantize(w, per_channel):
    w = w.astype(np.float32)
    if per_channel:
        amax = np.abs(w).max(axis=1, keepdims=True)
        scale = (amax / np.float32(448)).astype(ml_dtypes.bfloat16)  # stored as BF16, used as stored
        s32 = scale.astype(np.float32)
    else:
        s32 = np.array([np.abs(w).max() / np.float32(448)], dtype=np.float32)
        scale = s32
    safe = np.where(s32 == 0, np.float32(1), s32)
    codes = np.clip(w / (safe if per_channel else safe[0]), -448, 448).astype(ml_dtypes.float8_e4m3fn)
    deq = codes.astype(np.float32) * (s32 if per_channel else s32[0])
    return codes, scale, deq.astype(np.float32)


def main():
    src, out_fp8, out_deq = sys.argv[1:4]
    weights = load_file(os.path.join(src, "model.safetensors"))
    fp8, deq = {}, {}
    for name, w in weights.items():
        kind = next((k for k in PER_CHANNEL + PER_TENSOR if f".{k}.weight" in name), None)
        if kind is None:
            fp8[name] = w
            deq[name] = w.astype(np.float32)
            continue
        codes, scale, d = quantize(w, kind in PER_CHANNEL)
        fp8[name] = codes
        fp8[name + "_scale"] = scale
        fp8[name.replace(".weight", ".input_scale")] = np.array([0.02], dtype=np.float32)
        deq[name] = d
    for folder, tensors in ((out_fp8, fp8), (out_deq, deq)):
        os.makedirs(folder, exist_ok=True)
        for f in os.listdir(src):
            if f != "model.safetensors" and not os.path.isdir(os.path.join(src, f)):
                shutil.copy(os.path.join(src, f), os.path.join(folder, f))
        save_file(tensors, os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(src, "config.json")) as f:
        config = json.load(f)
    scheme = lambda strategy, targets: {
        "targets": targets,
        "weights": {"num_bits": 8, "type": "float", "strategy": strategy, "symmetric": True, "dynamic": False},
        "input_activations": {"num_bits": 8, "type": "float", "strategy": "tensor", "symmetric": True, "dynamic": False},
    }
    config["quantization_config"] = {
        "quant_method": "compressed-tensors", "format": "float-quantized", "quantization_status": "compressed",
        "config_groups": {"group_0": scheme("channel", [f"re:.*{k}$" for k in PER_CHANNEL]),
                          "group_1": scheme("tensor", [f"re:.*{k}$" for k in PER_TENSOR])},
        "ignore": ["lm_head"],
    }
    with open(os.path.join(out_fp8, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    n = sum(1 for v in fp8.values() if v.dtype == ml_dtypes.float8_e4m3fn)
    print(f"wrote {out_fp8} ({n} FP8 tensors) and {out_deq}")


if __name__ == "__main__":
    main()
