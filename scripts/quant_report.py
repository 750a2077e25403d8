#!/usr/bin/env python3
"""Prices each quantization profile of the default model: file size, bits per weight, bytes read per decoded
token, perplexity, KL divergence and top-1 agreement against a float32 copy, and decode speed.

The float32 source is the default model dequantized by `roofline quantize --type f32` (the original float
weights are not published in GGUF form here), so every profile below is measured against the same reference.

  swift build -c release && python3 scripts/quant_report.py [--threads 2] [--ctx 512]
"""
import argparse
import json
import os
import subprocess


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--roofline", default=".build/release/roofline")
    ap.add_argument("--text", default="Tests/Fixtures/text/eval.txt")
    ap.add_argument("--ctx", type=int, default=512)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workdir", default=os.path.expanduser("~/.cache/roofline/quant-report"))
    ap.add_argument("--types", nargs="+", default=["F32", "F16", "BF16", "Q8_0", "Q6_K", "Q5_K", "Q5_1", "Q5_0", "Q4_K", "Q4_K_M",
                                                   "Q4_1", "Q4_0", "Q3_K", "Q3_K_M", "NVFP4", "MXFP4", "Q2_K"])
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    src = json.loads(run([args.roofline, "inspect", "--json"]))["path"]
    f32 = os.path.join(args.workdir, "smollm2-F32.gguf")
    if not os.path.exists(f32):
        run([args.roofline, "quantize", src, f32, "--type", "f32"])
    print(f"reference: {os.path.basename(f32)} (dequantized from {os.path.basename(src)}); text {args.text}, ctx {args.ctx}, {args.threads} threads\n")
    print("| profile | file MB | bits/weight | MB read per token | perplexity | Δ ppl | KL mean | KL p99 | top-1 | decode tok/s | roofline tok/s | fraction |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for t in args.types:
        path = f32 if t == "F32" else os.path.join(args.workdir, f"smollm2-{t}.gguf")
        if not os.path.exists(path):
            run([args.roofline, "quantize", f32, path, "--type", t])
        info = json.loads(run([args.roofline, "inspect", path, "--json"]))
        ev = json.loads(run([args.roofline, "eval", "--model", path, "--reference", f32, "--text", args.text,
                             "--ctx", str(args.ctx), "--threads", str(args.threads), "--json"]))
        b = json.loads(run([args.roofline, "bench", "--model", path, "--threads", str(args.threads), "--prompt-tokens", "64",
                            "--gen-tokens", "64", "--repetitions", "3", "--json"]))
        bpw = info["file_bytes"] * 8 / info["parameters"]
        print(f"| {t} | {info['file_bytes'] / 1e6:.1f} | {bpw:.2f} | {b['bytes_per_token'] / 1e6:.1f} | {ev['perplexity']:.4f} | "
              f"{(ev['perplexity'] / ev['reference_perplexity'] - 1) * 100:+.2f}% | {ev['kl_divergence']:.5f} | {ev['kl_divergence_p99']:.5f} | "
              f"{ev['top1_agreement'] * 100:.2f}% | {b['decode_tokens_per_s']:.1f} | {b['roofline_tokens_per_s']:.1f} | "
              f"{b['roofline_fraction'] * 100:.0f}% |", flush=True)


if __name__ == "__main__":
    main()
