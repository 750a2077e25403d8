#!/usr/bin/env python3
"""Time to first token of a multi-turn chat, with Roofline's prefix cache on and off and (with --llama-server)
llama.cpp's llama-server (which reuses its slot's cache), on the same model file and threads, loopback only.

Each run is one conversation of --turns turns: every turn resends the whole conversation (system prompt,
earlier turns with the assistant's replies, a new question of about --new-tokens tokens) as a streamed chat
completion (greedy, --reply-tokens tokens), and the time to the first streamed token is recorded per turn.
Servers run one after another, each started fresh.

    python3 scripts/bench_prefix_cache.py --model qwen2.5-coder-0.5b --llama-server /path/to/llama-server --threads 2

Prints a Markdown table of TTFT per turn and the ratio at the last turn.
"""
import argparse
import http.client
import json
import os
import subprocess
import time

import bench_server as bs

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec "
         "romeo sierra tango uniform victor whiskey xray yankee zulu").split()


def question(turn, words):
    return f"Question {turn}: " + " ".join(WORDS[(turn * 7 + i) % len(WORDS)] for i in range(words)) + ". Summarise it."


def chat_turn(port, model, messages, max_tokens):
    body = json.dumps({"model": model, "messages": messages, "max_tokens": max_tokens, "temperature": 0, "stream": True})
    t0 = time.perf_counter()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    c.request("POST", "/v1/chat/completions", body=body, headers={"Content-Type": "application/json"})
    r = c.getresponse()
    if r.status != 200:
        raise RuntimeError(f"HTTP {r.status}: {r.read()[:200]!r}")
    ttft, text = None, ""
    for raw in r:
        line = raw.strip()
        if not line.startswith(b"data: ") or line == b"data: [DONE]":
            continue
        obj = json.loads(line[6:])
        for ch in obj.get("choices", []):
            piece = (ch.get("delta") or {}).get("content") or ""
            if piece and ttft is None:
                ttft = time.perf_counter() - t0
            text += piece
    c.close()
    return ttft if ttft is not None else float("nan"), text


def conversation(port, model, args):
    messages = [{"role": "system", "content": "You are a careful assistant. " * 20}]
    ttfts = []
    for turn in range(args.turns):
        messages.append({"role": "user", "content": question(turn, args.new_tokens)})
        ttft, reply = chat_turn(port, model, messages, args.reply_tokens)
        ttfts.append(ttft)
        messages.append({"role": "assistant", "content": reply})
    return ttfts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--roofline", default=os.path.join(bs.ROOT, ".build/release/roofline"))
    ap.add_argument("--llama-server")
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--turns", type=int, default=10)
    ap.add_argument("--new-tokens", type=int, default=110, help="words in each new question (about that many tokens)")
    ap.add_argument("--reply-tokens", type=int, default=32)
    ap.add_argument("--ctx-size", type=int, default=4096)
    ap.add_argument("--port", type=int, default=18390)
    args = ap.parse_args()
    path = subprocess.run([args.roofline, "pull", args.model], check=True, capture_output=True, text=True).stdout.strip() \
        if not os.path.exists(args.model) else args.model
    runs = {}
    servers = [("roofline", [args.roofline, "serve", "--model", path, "--port", str(args.port), "--threads", str(args.threads),
                             "--parallel", "1", "--ctx-size", str(args.ctx_size)]),
               ("roofline --no-prefix-cache", [args.roofline, "serve", "--model", path, "--port", str(args.port), "--threads",
                                              str(args.threads), "--parallel", "1", "--ctx-size", str(args.ctx_size), "--no-prefix-cache"])]
    if args.llama_server:
        servers.append(("llama-server", [args.llama_server, "-m", path, "--port", str(args.port), "-t", str(args.threads),
                                         "-np", "1", "-c", str(args.ctx_size)]))
    for name, cmd in servers:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            bs.wait_ready(args.port, proc)
            runs[name] = conversation(args.port, os.path.basename(path).removesuffix(".gguf"), args)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    names = list(runs)
    print(f"model {os.path.basename(path)}, {args.threads} threads, {args.turns} turns of ~{args.new_tokens} new words, "
          f"{args.reply_tokens}-token replies\n")
    print("| turn | " + " | ".join(f"TTFT ms, {n}" for n in names) + " |")
    print("|---:|" + "---:|" * len(names))
    for t in range(args.turns):
        print(f"| {t + 1} | " + " | ".join(f"{runs[n][t] * 1000:.0f}" for n in names) + " |")
    last = {n: runs[n][-1] for n in names}
    print(f"\nturn {args.turns}: roofline / no prefix cache = {last['roofline'] / last['roofline --no-prefix-cache']:.2f}"
          + (f", roofline / llama-server = {last['roofline'] / last['llama-server']:.2f}" if "llama-server" in last else ""))


if __name__ == "__main__":
    main()
