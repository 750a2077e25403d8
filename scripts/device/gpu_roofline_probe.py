#!/usr/bin/env python3
"""Measures what a GPU delivers on the two shapes of LLM inference, for checking the planner's GPU rows:

- decode: one token through every weight matrix of a Llama-3.1-8B-shaped model in BF16 (batch 1 GEMV, the
  weights streamed once per token, as a real decode step reads them), timed with CUDA events; reported as
  tokens/s and the weight bytes per second that implies (the achieved memory bandwidth);
- a plain device-to-device copy (read + write bandwidth);
- prefill: a large BF16 GEMM (TFLOP/s).

Needs PyTorch with CUDA. Prints one JSON object.

    python3 scripts/device/gpu_roofline_probe.py [--layers 32] [--repeats 20]
"""
import argparse
import json

import torch


def timed(fn, repeats):
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end) / 1e3)
    times.sort()
    return times[len(times) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layers", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()
    dev = torch.device("cuda")
    # Llama-3.1-8B: hidden 4096, 32 heads of 128, 8 KV heads, FFN 14336, vocab 128256.
    d, kv, ff, vocab = 4096, 1024, 14336, 128256
    layer = [(d, d), (kv, d), (kv, d), (d, d), (ff, d), (ff, d), (d, ff)]
    weights = [torch.randn(o, i, dtype=torch.bfloat16, device=dev) * 0.02 for _ in range(args.layers) for (o, i) in layer]
    head = torch.randn(vocab, d, dtype=torch.bfloat16, device=dev) * 0.02
    weight_bytes = sum(w.numel() * 2 for w in weights) + head.numel() * 2
    x = torch.randn(1, d, dtype=torch.bfloat16, device=dev)
    xf = torch.randn(1, ff, dtype=torch.bfloat16, device=dev)

    def decode_step():
        for w in weights:
            torch.nn.functional.linear(xf if w.shape[1] == ff else x, w)
        torch.nn.functional.linear(x, head)

    t_decode = timed(decode_step, args.repeats)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        decode_step()
    t_graph = timed(graph.replay, args.repeats)

    buf = torch.empty(2 << 30, dtype=torch.uint8, device=dev)
    dst = torch.empty_like(buf)
    t_copy = timed(lambda: dst.copy_(buf), args.repeats)
    del buf, dst

    n = 8192
    a = torch.randn(n, n, dtype=torch.bfloat16, device=dev)
    b = torch.randn(n, n, dtype=torch.bfloat16, device=dev)
    t_gemm = timed(lambda: a @ b, args.repeats)

    props = torch.cuda.get_device_properties(dev)
    print(json.dumps({
        "device": props.name, "torch": torch.__version__, "cuda": torch.version.cuda,
        "model_shape": f"Llama-3.1-8B, {args.layers} layers, BF16 weights",
        "weight_bytes": weight_bytes,
        "decode_step_s": t_decode, "decode_tokens_per_s": 1 / t_decode,
        "decode_weight_bandwidth_gb_per_s": weight_bytes / t_decode / 1e9,
        "decode_step_cuda_graph_s": t_graph, "decode_tokens_per_s_cuda_graph": 1 / t_graph,
        "decode_weight_bandwidth_cuda_graph_gb_per_s": weight_bytes / t_graph / 1e9,
        "copy_read_plus_write_gb_per_s": 2 * (2 << 30) / t_copy / 1e9,
        "gemm_bf16_8192_tflops": 2 * n ** 3 / t_gemm / 1e12,
    }, indent=1))


if __name__ == "__main__":
    main()
