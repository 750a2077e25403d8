#!/usr/bin/env python3
"""KV reuse across requests: Roofline's paged KV with its prefix cache on and off and (with --llama-server)
llama.cpp's llama-server, on the same model file and threads, loopback only, servers one after another, each
started fresh. Three workloads (--workload):

- chat (default): one conversation of --turns turns; every turn resends the whole conversation (system prompt,
  earlier turns with the assistant's replies, a new question of about --new-tokens words) as a streamed chat
  completion (greedy, --reply-tokens tokens); time to the first streamed token per turn. llama-server runs with
  one slot, whose cache it reuses.
- shared: --clients concurrent clients, one ~1,000-token system prompt and short distinct questions, one request
  each (greedy, --reply-tokens tokens): aggregate generated tokens/s, TTFT percentiles, and Roofline's prefix
  hit counters from /metrics (the system prompt should be prefilled once).
- many: 64 concurrent short chats (prompt + reply <= 256 tokens) with Roofline's KV pool set to the memory that
  8 sequences of 2,048 positions take (--kv-memory), --parallel 64: errors must be zero.

    python3 scripts/bench_prefix_cache.py --model qwen2.5-coder-0.5b --llama-server /path/to/llama-server --threads 2
    python3 scripts/bench_prefix_cache.py --workload shared --clients 16 --llama-server /path/to/llama-server

Prints Markdown tables and the ratios the workload is judged by.
"""
import argparse
import http.client
import json
import os
import re
import subprocess
import threading
import time

import bench_server as bs

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec "
         "romeo sierra tango uniform victor whiskey xray yankee zulu").split()


def question(turn, words):
    return f"Question {turn}: " + " ".join(WORDS[(turn * 7 + i) % len(WORDS)] for i in range(words)) + ". Summarise it."


def chat_turn(port, model, messages, max_tokens, usage_out=None):
    """One streamed greedy chat completion: (seconds to the first content, the text); the server's usage object,
    when it sends one, goes into `usage_out`."""
    body = json.dumps({"model": model, "messages": messages, "max_tokens": max_tokens, "temperature": 0, "stream": True,
                       "stream_options": {"include_usage": True}})
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
        if obj.get("usage") and usage_out is not None:
            usage_out.update(obj["usage"])
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


SYSTEM_WORDS = ("The museum of printing keeps presses, type cases, paper moulds, ink recipes and bound books from five "
                "centuries; its guides answer visitors plainly and briefly, name the object and the century, and say "
                "so when they do not know. ").split()


def long_system_prompt(words):
    return " ".join(SYSTEM_WORDS[i % len(SYSTEM_WORDS)] for i in range(words))


def metrics(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/metrics")
    text = c.getresponse().read().decode()
    c.close()
    out = {}
    for line in text.splitlines():
        m = re.match(r"^(roofline_[a-z_]+)(\{[^}]*\})? ([0-9.eE+-]+)$", line)
        if m and not m.group(2):
            out[m.group(1)] = float(m.group(3))
    return out


def concurrent_chats(port, model, conversations, max_tokens):
    """Runs one streamed chat completion per message list at once; returns (results, errors, wall seconds)."""
    results, errors, lock = [], [], threading.Lock()

    def one(messages):
        try:
            t0 = time.perf_counter()
            usage = {}
            ttft, text = chat_turn(port, model, messages, max_tokens, usage)
            with lock:
                results.append((ttft, time.perf_counter() - t0, text, usage.get("completion_tokens")))
        except Exception as e:  # noqa: BLE001 - every failure is counted and reported
            with lock:
                errors.append(str(e))
    t0 = time.perf_counter()
    threads = [threading.Thread(target=one, args=(m,)) for m in conversations]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors, time.perf_counter() - t0


def completion_tokens(port, model, messages, max_tokens):
    body = json.dumps({"model": model, "messages": messages, "max_tokens": max_tokens, "temperature": 0})
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    c.request("POST", "/v1/chat/completions", body=body, headers={"Content-Type": "application/json"})
    obj = json.loads(c.getresponse().read())
    c.close()
    return obj["usage"]


def shared_workload(port, model, args, roofline):
    system = long_system_prompt(args.system_words)
    convs = [[{"role": "system", "content": system}, {"role": "user", "content": question(k, 6)}] for k in range(args.clients)]
    before = metrics(port) if roofline else {}
    results, errors, wall = concurrent_chats(port, model, convs, args.reply_tokens)
    after = metrics(port) if roofline else {}
    usage = completion_tokens(port, model, convs[0], 1)
    counted = [r[3] for r in results]
    generated = sum(counted) if all(c is not None for c in counted) else None
    words = sum(len(r[2].split()) for r in results)
    ttft = sorted(r[0] for r in results)
    return {"errors": len(errors), "error_samples": errors[:3], "wall_s": wall, "requests": len(results),
            "prompt_tokens": usage["prompt_tokens"], "reply_words": words,
            "generated_tokens": generated, "tokens_per_s": generated / wall if generated else float("nan"), "ttft_p50_ms": 1000 * bs.pct(ttft, 50), "ttft_p95_ms": 1000 * bs.pct(ttft, 95),
            "prefix_hits": after.get("roofline_prefix_cache_hits_tokens", 0) - before.get("roofline_prefix_cache_hits_tokens", 0),
            "prefix_queries": after.get("roofline_prefix_cache_queries_tokens", 0) - before.get("roofline_prefix_cache_queries_tokens", 0),
            "generated": after.get("roofline_generated_tokens_total", 0) - before.get("roofline_generated_tokens_total", 0)}


def many_workload(port, model, args):
    convs = [[{"role": "user", "content": question(k, 40)}] for k in range(64)]
    peak = {"active": 0, "blocks_in_use": 0}
    done = threading.Event()

    def watch():  # the most sequences running at once, and the most blocks they held
        while not done.is_set():
            try:
                m = metrics(port)
                peak["active"] = max(peak["active"], m.get("roofline_active_sequences", 0))
                peak["blocks_in_use"] = max(peak["blocks_in_use"], m.get("roofline_kv_blocks_in_use", 0))
            except OSError:
                pass
            time.sleep(0.1)
    watcher = threading.Thread(target=watch)
    watcher.start()
    results, errors, wall = concurrent_chats(port, model, convs, args.reply_tokens)
    done.set()
    watcher.join()
    m = metrics(port)
    return {"errors": len(errors), "error_samples": errors[:3], "requests": len(results), "wall_s": wall,
            "peak_active_sequences": peak["active"], "peak_blocks_in_use": peak["blocks_in_use"],
            "blocks_in_use_after": m.get("roofline_kv_blocks_in_use"), "kv_capacity_tokens": m.get("roofline_kv_cache_capacity_tokens"),
            "preemptions": m.get("roofline_preemptions"), "generated_tokens": sum(r[3] or 0 for r in results)}


def run_server(cmd, port, work):
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        bs.wait_ready(port, proc)
        return work()
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def main_concurrent(args, path):
    model = os.path.basename(path).removesuffix(".gguf")
    base = [args.roofline, "serve", "--model", path, "--port", str(args.port), "--threads", str(args.threads)]
    if args.workload == "shared":
        ctx = 2048
        out = {}
        for rnd in range(args.rounds):
            for name, extra in [("roofline", []), ("roofline --no-prefix-cache", ["--no-prefix-cache"])]:
                cmd = base + ["--parallel", str(args.clients), "--ctx-size", str(ctx), "--kv-memory", args.kv_memory] + extra
                out.setdefault(name, []).append(run_server(cmd, args.port, lambda: shared_workload(args.port, model, args, True)))
            if args.llama_server:
                cmd = [args.llama_server, "-m", path, "--port", str(args.port), "-t", str(args.threads), "-np", str(args.clients),
                       "-c", str(ctx * args.clients)]
                out.setdefault("llama-server", []).append(run_server(cmd, args.port, lambda: shared_workload(args.port, model, args, False)))
        print(f"model {os.path.basename(path)}, {args.threads} threads, {args.clients} clients, system prompt of "
              f"{out['roofline'][0]['prompt_tokens']} tokens with the question, {args.reply_tokens}-token replies, {args.rounds} rounds\n")
        print("| server | round | wall s | generated tokens | tokens/s | TTFT p50 ms | TTFT p95 ms | prefix hits / queries | errors |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for name, runs in out.items():
            for i, r in enumerate(runs):
                print(f"| {name} | {i + 1} | {r['wall_s']:.1f} | {r['generated_tokens']} | {r['tokens_per_s']:.1f} | {r['ttft_p50_ms']:.0f} | "
                      f"{r['ttft_p95_ms']:.0f} | {r['prefix_hits']:.0f} / {r['prefix_queries']:.0f} | {r['errors']} |")
        best = {n: max(r["tokens_per_s"] for r in runs) for n, runs in out.items()}
        print(f"\naggregate tokens/s, best round: roofline / no prefix cache = {best['roofline'] / best['roofline --no-prefix-cache']:.2f}"
              + (f", roofline / llama-server = {best['roofline'] / best['llama-server']:.2f}" if "llama-server" in best else ""))
        print(json.dumps(out))
    else:
        r = run_server(base + ["--parallel", "64", "--ctx-size", "2048", "--kv-memory", args.kv_memory], args.port,
                       lambda: many_workload(args.port, model, args))
        print(json.dumps(r))


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
    ap.add_argument("--workload", choices=["chat", "shared", "many"], default="chat")
    ap.add_argument("--clients", type=int, default=16, help="shared: concurrent clients")
    ap.add_argument("--system-words", type=int, default=700, help="shared: words of the system prompt (~1,000 tokens)")
    ap.add_argument("--rounds", type=int, default=1, help="shared: rounds of the servers, alternated")
    ap.add_argument("--kv-memory", default="", help="Roofline's --kv-memory (shared, many; default: 8 x 2048 positions)")
    args = ap.parse_args()
    path = subprocess.run([args.roofline, "pull", args.model], check=True, capture_output=True, text=True).stdout.strip() \
        if not os.path.exists(args.model) else args.model
    if args.workload != "chat":
        if not args.kv_memory:
            # F16 keys and values: 2 x layers x kv heads x head width x 2 bytes per position.
            hp = json.loads(subprocess.run([args.roofline, "inspect", path, "--json"], check=True, capture_output=True,
                                           text=True).stdout)["hyperparameters"]
            arch = next(k.split(".")[0] for k in hp if k.endswith(".block_count"))
            head = hp.get(f"{arch}.attention.key_length") or hp[f"{arch}.embedding_length"] // hp[f"{arch}.attention.head_count"]
            kv = 2 * hp[f"{arch}.block_count"] * hp[f"{arch}.attention.head_count_kv"] * head * 2
            args.kv_memory = str(kv * 8 * 2048)
        main_concurrent(args, path)
        return
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
