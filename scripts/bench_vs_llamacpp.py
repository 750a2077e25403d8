#!/usr/bin/env python3
"""Side-by-side speed of `roofline bench`, llama.cpp's `llama-bench` and (with --ik-bin-dir) ik_llama.cpp's
`llama-bench` on the same model files, with the same thread counts, in one run. Prints a Markdown table with the
engines, Roofline's ratios to each, and Roofline's decode speed as a fraction of the measured memory-bandwidth
roofline. ik_llama.cpp runs twice per round, with the file as downloaded (-rtr 0) and repacked at load
(-rtr 1); the table compares against each.

On a shared machine the speed on offer moves by tens of percent from minute to minute, for both engines. So the
two engines alternate: each round runs `roofline bench` and then `llama-bench` on every (model, threads) pair,
and the table reports, over the rounds, the median of each engine's speed and the median (with the range) of
the per-round ratios. `roofline bench` probes the bandwidth after each of its repetitions; the roofline
fraction is the median over rounds of each run's own fraction.

llama.cpp is not part of this repository: build it outside the repo (see scripts/reference/README.md) and pass
--llama-bin-dir, or put llama-bench on PATH. Q8_0 and Q4_0 variants of the default model are made with
`roofline quantize` from the Q4_1 file (lossy, but the byte layout is what speed depends on; for Q8_0 the
bytes equal llama-quantize --allow-requantize's) with --default-variants; otherwise the four files of the speed
issue (the default model and the Q4_K_M files of Qwen2.5-Coder 0.5B/1.5B and Gemma-3-270M, fetched with
`roofline pull`) unless --models names files.

Example:
  swift build -c release
  python3 scripts/bench_vs_llamacpp.py --llama-bin-dir /tmp/llamacpp/build/bin --ik-bin-dir /tmp/ik/build/bin --threads 1 2
"""
import argparse
import json
import os
import platform
import shutil
from statistics import median
import subprocess
import sys


def run_json(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out)


def roofline_bench(binary, model, threads, args):
    return run_json([binary, "bench", "--model", model, "--threads", str(threads), "--prompt-tokens", str(args.prompt_tokens),
                     "--gen-tokens", str(args.gen_tokens), "--repetitions", str(args.repetitions), "--json"])


def llama_bench(binary, model, threads, args, env, extra=()):
    rows = run_json([binary, "-m", model, "-t", str(threads), "-p", str(args.prompt_tokens), "-n", str(args.gen_tokens),
                     "-r", str(args.repetitions), "-o", "json", *extra], env=env)
    pp = next(r for r in rows if r["n_prompt"] > 0 and r["n_gen"] == 0)
    tg = next(r for r in rows if r["n_gen"] > 0 and r["n_prompt"] == 0)
    return pp["avg_ts"], pp["stddev_ts"], tg["avg_ts"], tg["stddev_ts"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--roofline", default=".build/release/roofline")
    ap.add_argument("--llama-bin-dir", default=None)
    ap.add_argument("--ik-bin-dir", default=None, help="ik_llama.cpp's build/bin (its llama-bench), built outside the repo")
    ap.add_argument("--models", nargs="*", default=None, help="GGUF files or known names (default: the four real files)")
    ap.add_argument("--default-variants", action="store_true", help="the default model in Q4_1, Q8_0 and Q4_0 instead")
    ap.add_argument("--workdir", default=os.path.expanduser("~/.cache/roofline/bench-models"))
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--prompt-tokens", type=int, default=512)
    ap.add_argument("--gen-tokens", type=int, default=128)
    ap.add_argument("--repetitions", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3, help="alternations of the two engines (medians over rounds)")
    args = ap.parse_args()

    bindir = args.llama_bin_dir
    lb = os.path.join(bindir, "llama-bench") if bindir else shutil.which("llama-bench")
    if not lb or not os.path.exists(lb):
        sys.exit("llama-bench not found: pass --llama-bin-dir (llama.cpp built outside the repo)")
    env = dict(os.environ)
    if bindir:
        env["LD_LIBRARY_PATH"] = bindir + os.pathsep + env.get("LD_LIBRARY_PATH", "")

    ik = os.path.join(args.ik_bin_dir, "llama-bench") if args.ik_bin_dir else None
    if ik and not os.path.exists(ik):
        sys.exit(f"{ik} not found (ik_llama.cpp built outside the repo)")

    def pulled(name):
        if os.path.exists(name):
            return name
        return subprocess.run([args.roofline, "pull", name], check=True, capture_output=True, text=True).stdout.strip()

    models = [pulled(m) for m in args.models] if args.models else None
    if not models and not args.default_variants:
        models = [pulled(n) for n in ("smollm2-135m", "qwen2.5-coder-0.5b", "gemma-3-270m", "qwen2.5-coder-1.5b")]
    if not models:
        base = subprocess.run([args.roofline, "inspect", "--json"], check=True, capture_output=True, text=True).stdout
        src = json.loads(base)["path"]
        os.makedirs(args.workdir, exist_ok=True)
        models = [src]
        for t in ("Q8_0", "Q4_0"):
            dst = os.path.join(args.workdir, f"SmolLM2-135M-Instruct.{t}.gguf")
            if not os.path.exists(dst):
                subprocess.run([args.roofline, "quantize", src, dst, "--type", t], check=True, capture_output=True)
            models.append(dst)

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print(f"machine: {cpu}, {os.cpu_count()} logical CPUs; prompt {args.prompt_tokens}, gen {args.gen_tokens}, "
          f"repetitions {args.repetitions}, rounds {args.rounds}\n")
    runs = {}
    for rnd in range(args.rounds):
        for m in models:
            for t in args.threads:
                r = roofline_bench(args.roofline, m, t, args)
                l = llama_bench(lb, m, t, args, env)
                k = [llama_bench(ik, m, t, args, env, ("-rtr", str(rtr))) for rtr in (0, 1)] if ik else None
                runs.setdefault((m, t), []).append((r, l, k))
                ik_text = f", ik_llama.cpp prefill {k[0][0]:.1f}/{k[1][0]:.1f} decode {k[0][2]:.1f}/{k[1][2]:.1f} (rtr 0/1)" if k else ""
                print(f"round {rnd + 1}: {os.path.basename(m)} {t} threads: prefill {r['prefill_tokens_per_s']:.1f} vs {l[0]:.1f}, "
                      f"decode {r['decode_tokens_per_s']:.1f} vs {l[2]:.1f}{ik_text}, bandwidth {r['bandwidth_gb_per_s']:.1f} GB/s, "
                      f"{r['roofline_fraction'] * 100:.0f}% of the roofline", file=sys.stderr, flush=True)

    def ratio(xs):
        return f"{median(xs):.2f}x ({min(xs):.2f}-{max(xs):.2f})" if len(xs) > 1 else f"{xs[0]:.2f}x"

    print("| model | threads | prefill Roofline | prefill llama.cpp | ratio | decode Roofline | decode llama.cpp | ratio | bandwidth GB/s | roofline tok/s | Roofline / roofline | llama.cpp / roofline |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (m, t), rl in runs.items():
        rs, ls = [x[0] for x in rl], [x[1] for x in rl]
        rl = [(x[0], x[1]) for x in rl]
        bws = [b for r in rs for b in r.get("bandwidth_gb_per_s_samples", [r["bandwidth_gb_per_s"]])]
        roof = [r["roofline_tokens_per_s"] for r in rs]
        print(f"| {os.path.basename(m)} | {t} | {median([r['prefill_tokens_per_s'] for r in rs]):.1f} | {median([l[0] for l in ls]):.1f} | "
              f"{ratio([r['prefill_tokens_per_s'] / l[0] for r, l in rl])} | {median([r['decode_tokens_per_s'] for r in rs]):.1f} | "
              f"{median([l[2] for l in ls]):.1f} | {ratio([r['decode_tokens_per_s'] / l[2] for r, l in rl])} | "
              f"{median(bws):.1f} ({min(bws):.1f}-{max(bws):.1f}) | {median(roof):.0f} | "
              f"{median([r['roofline_fraction'] for r in rs]) * 100:.0f}% ({min(r['roofline_fraction'] for r in rs) * 100:.0f}-{max(r['roofline_fraction'] for r in rs) * 100:.0f}%) | "
              f"{median([l[2] / ro for l, ro in zip(ls, roof)]) * 100:.0f}% |", flush=True)

    if ik:
        print("\n| model | threads | decode vs ik_llama.cpp -rtr 0 | -rtr 1 | prefill vs ik_llama.cpp -rtr 0 | -rtr 1 | ik decode / roofline (rtr 0, 1) |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for (m, t), rl in runs.items():
            rs, ks = [x[0] for x in rl], [x[2] for x in rl]
            roof = [r["roofline_tokens_per_s"] for r in rs]
            cells = []
            for col, idx in (("decode_tokens_per_s", 2), ("prefill_tokens_per_s", 0)):
                for rtr in (0, 1):
                    cells.append(ratio([r[col] / k[rtr][idx] for r, k in zip(rs, ks)]))
            shares = "/".join(f"{median([k[rtr][2] / ro for k, ro in zip(ks, roof)]) * 100:.0f}%" for rtr in (0, 1))
            print(f"| {os.path.basename(m)} | {t} | {cells[0]} | {cells[1]} | {cells[2]} | {cells[3]} | {shares} |", flush=True)

if __name__ == "__main__":
    main()
