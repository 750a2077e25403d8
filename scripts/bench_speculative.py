#!/usr/bin/env python3
"""Speculative decoding, Roofline against llama.cpp's own, on the same files, prompts and threads, greedy.

Two workloads (issue: beyond the roofline):
  code   the prompts of scripts/speculative/code_prompts.json, target with a draft model
         (Roofline: generate --draft-model; llama.cpp: llama-speculative -md)
  edit   scripts/speculative/edit_function.py asked back with one parameter renamed, prompt lookup
         (Roofline: generate --lookup; llama.cpp: llama-lookup)
Each prompt is rendered once with the target's chat template (Qwen2.5's ChatML with its default system
prompt) and given as the same raw text to every engine; every run generates up to --tokens tokens and stops at
end of generation. Per prompt the engines run one after another in the order: Roofline plain, Roofline
speculative, llama.cpp speculative. Decode tokens/s is each tool's own figure (tokens after the first over the
decode time). The roofline multiple divides by the best of three `roofline bench` bandwidth probes over the
target's bytes per token.

    python3 scripts/bench_speculative.py --llama-bin-dir /path/to/llama.cpp/build/bin --threads 2

Prints a Markdown table per workload: tokens/s of each engine, acceptance rates and the ratios.
"""
import argparse
import json
import os
import re
import statistics
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."


def chatml(user):
    return f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n"


def edit_request():
    with open(os.path.join(HERE, "speculative", "edit_function.py")) as f:
        code = f.read()
    return ("Rewrite this Python function exactly as it is, except rename the parameter `records` to `orders` "
            "everywhere. Reply with the code only.\n\n```python\n" + code + "```")


def roofline(args, model, prompt, extra):
    cmd = [args.roofline, "generate", "--model", model, "--threads", str(args.threads), "--temperature", "0",
           "--max-tokens", str(args.tokens), "--ctx-size", "4096", "--json", "--prompt", prompt] + extra
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    d = json.loads(out)
    return {"tps": d["decode_tokens_per_s"], "tokens": d["tokens"], "proposed": d["proposed_tokens"], "accepted": d["accepted_tokens"]}


def llama(args, tool, model, prompt, extra):
    cmd = [os.path.join(args.llama_bin_dir, tool), "-m", model, "-t", str(args.threads), "--temp", "0", "-n", str(args.tokens),
           "-c", "4096", "-p", prompt] + extra
    p = subprocess.run(cmd, capture_output=True, text=True)
    log = p.stdout + p.stderr
    m = re.search(r"decoded\s+(\d+) tokens in\s+([\d.]+) seconds, speed:\s+([\d.]+) t/s", log)
    if p.returncode != 0 or not m:
        raise RuntimeError(f"{tool} failed ({p.returncode}): {log[-1500:]}")
    drafted = re.search(r"n_drafted\s*=\s*(\d+)", log)
    accepted = re.search(r"n_accept\s*=\s*(\d+)", log)
    return {"tps": float(m.group(3)), "proposed": int(drafted.group(1)) if drafted else 0,
            "accepted": int(accepted.group(1)) if accepted else 0}


def rate(rows, key):
    p = sum(r[key]["proposed"] for r in rows)
    return sum(r[key]["accepted"] for r in rows) / p if p else 0.0


def report(title, rows, spec_name, llama_name, roofline_tps):
    print(f"\n### {title}\n")
    print(f"| prompt | tokens | Roofline plain | Roofline {spec_name} | speedup | llama.cpp {llama_name} | Roofline / llama.cpp |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['name']} | {len(r['plain']['tokens'])} | {r['plain']['tps']:.1f} | {r['spec']['tps']:.1f} | "
              f"{r['spec']['tps'] / r['plain']['tps']:.2f}x | {r['llama']['tps']:.1f} | {r['spec']['tps'] / r['llama']['tps']:.2f}x |")
    plain = statistics.mean(r["plain"]["tps"] for r in rows)
    spec = statistics.mean(r["spec"]["tps"] for r in rows)
    lcpp = statistics.mean(r["llama"]["tps"] for r in rows)
    print(f"| **mean** | | {plain:.1f} | {spec:.1f} | {spec / plain:.2f}x | {lcpp:.1f} | {spec / lcpp:.2f}x |")
    print(f"\nacceptance: Roofline {rate(rows, 'spec'):.0%}, llama.cpp {rate(rows, 'llama'):.0%}; "
          f"Roofline {spec_name} {spec / roofline_tps:.2f}x the target's roofline ({roofline_tps:.1f} tok/s), "
          f"plain {plain / roofline_tps:.2f}x")
    same = all(r["plain"]["tokens"] == r["spec"]["tokens"] for r in rows)
    print(f"Roofline's speculative tokens equal its plain greedy tokens on every prompt: {same}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cache = os.path.expanduser(os.environ.get("ROOFLINE_CACHE", "~/.cache/roofline")) + "/models"
    ap.add_argument("--roofline", default=os.path.join(ROOT, ".build", "release", "roofline"))
    ap.add_argument("--llama-bin-dir", required=True)
    ap.add_argument("--target", default=os.path.join(cache, "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"))
    ap.add_argument("--draft", default=os.path.join(cache, "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tokens", type=int, default=256)
    ap.add_argument("--prompts", type=int, default=10, help="how many of the code prompts")
    ap.add_argument("--draft-tokens", type=int, default=None, help="--draft-tokens for Roofline, --draft-max for llama.cpp (default: each tool's own)")
    ap.add_argument("--workload", choices=["code", "edit", "both"], default="both")
    args = ap.parse_args()

    bench = json.loads(subprocess.run([args.roofline, "bench", "--model", args.target, "--threads", str(args.threads),
                                       "--prompt-tokens", "16", "--gen-tokens", "16", "--repetitions", "3", "--json"],
                                      capture_output=True, text=True, check=True).stdout)
    # The highest of three bandwidth probes: the most conservative roofline.
    bandwidth = max(bench["bandwidth_gb_per_s_samples"])
    roofline_tps = bandwidth * 1e9 / bench["bytes_per_token"]
    k_rf = ["--draft-tokens", str(args.draft_tokens)] if args.draft_tokens else []
    k_ll = ["--draft-max", str(args.draft_tokens)] if args.draft_tokens else []
    print(f"target {os.path.basename(args.target)}, draft {os.path.basename(args.draft)}, {args.threads} threads, "
          f"up to {args.tokens} tokens, greedy; bandwidth {bandwidth:.1f} GB/s (best of 3 probes)")

    if args.workload in ("code", "both"):
        with open(os.path.join(HERE, "speculative", "code_prompts.json")) as f:
            prompts = json.load(f)[: args.prompts]
        rows = []
        for i, p in enumerate(prompts):
            text = chatml(p)
            rows.append({"name": f"code {i + 1}",
                         "plain": roofline(args, args.target, text, []),
                         "spec": roofline(args, args.target, text, ["--draft-model", args.draft] + k_rf),
                         "llama": llama(args, "llama-speculative", args.target, text, ["-md", args.draft, "-td", str(args.threads)] + k_ll)})
        report("Code completion with the draft model", rows, "draft", "llama-speculative", roofline_tps)

    if args.workload in ("edit", "both"):
        text = chatml(edit_request())
        rows = [{"name": "edit",
                 "plain": roofline(args, args.target, text, []),
                 "spec": roofline(args, args.target, text, ["--lookup"] + k_rf),
                 "llama": llama(args, "llama-lookup", args.target, text, k_ll)}]
        report("Edit with prompt lookup", rows, "lookup", "llama-lookup", roofline_tps)


if __name__ == "__main__":
    main()
