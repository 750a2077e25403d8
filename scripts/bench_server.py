#!/usr/bin/env python3
"""Load benchmark for `roofline serve`, side by side with llama.cpp's llama-server on the same model file,
threads and parallel slots, loopback only and bounded in time.

For each concurrency C (default 1 4 8 16), C clients each stream R completions (greedy, ignore_eos, fixed
max_tokens, distinct prompts) back to back. Reported per server and C: aggregate generated tokens/s (all
tokens / wall time), time to first token and inter-token latency percentiles (from SSE chunk arrival
times), and errors (must be zero).

    python3 scripts/bench_server.py --llama-server /path/to/llama-server --threads 2 --parallel 16

Without --llama-server only Roofline is measured. Markdown table on stdout; --json FILE writes raw numbers.
"""
import argparse
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROMPTS = ["The history of the printing press", "How a refrigerator works:", "A short story about a lighthouse keeper.",
           "The rules of chess, explained simply:", "Why the sky is blue:", "A recipe for bread:",
           "The causes of the French Revolution", "How to train for a marathon:", "Photosynthesis is",
           "The life cycle of a star", "Tips for learning a new language:", "The first computers",
           "What makes a good teacher?", "A poem about the sea:", "The water cycle", "How bridges are built:"]


def pct(xs, q):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))]


def wait_ready(port, proc, timeout=120):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/health")
            r = c.getresponse()
            r.read()
            if r.status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not become ready")


def stream_one(port, prompt, max_tokens, model):
    """One streamed completion: returns (tokens, ttft, [inter-chunk gaps]) or raises."""
    body = json.dumps({"model": model, "prompt": prompt, "max_tokens": max_tokens, "temperature": 0, "stream": True,
                       "ignore_eos": True, "stream_options": {"include_usage": True}})
    t0 = time.perf_counter()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    c.request("POST", "/v1/completions", body=body, headers={"Content-Type": "application/json"})
    r = c.getresponse()
    if r.status != 200:
        raise RuntimeError(f"HTTP {r.status}: {r.read()[:200]!r}")
    times, usage = [], None
    for raw in r:
        line = raw.strip()
        if not line.startswith(b"data: "):
            continue
        data = line[6:]
        if data == b"[DONE]":
            break
        obj = json.loads(data)
        if "error" in obj:
            raise RuntimeError(str(obj["error"]))
        if obj.get("usage"):
            usage = obj["usage"]
        if any(ch.get("text") for ch in obj.get("choices", [])):
            times.append(time.perf_counter())
    c.close()
    if not times:
        raise RuntimeError("no tokens")
    tokens = usage["completion_tokens"] if usage else len(times)
    gaps = [b - a for a, b in zip(times, times[1:])]
    return tokens, times[0] - t0, gaps


def run_level(port, model, clients, reqs, max_tokens):
    results, errors, lock = [], [], threading.Lock()

    def client(k):
        for j in range(reqs):
            try:
                res = stream_one(port, PROMPTS[(k + j * clients) % len(PROMPTS)] + f" (part {j + 1})", max_tokens, model)
                with lock:
                    results.append(res)
            except Exception as e:  # noqa: BLE001 - every failure is counted and reported
                with lock:
                    errors.append(str(e))
    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    tokens = sum(r[0] for r in results)
    ttft = [r[1] for r in results]
    gaps = [g for r in results for g in r[2]]
    return {"clients": clients, "requests": len(results), "errors": len(errors), "error_samples": errors[:3],
            "tokens": tokens, "wall_s": wall, "tokens_per_s": tokens / wall if wall > 0 else 0,
            "ttft_p50_ms": 1000 * pct(ttft, 50), "ttft_p90_ms": 1000 * pct(ttft, 90), "ttft_p99_ms": 1000 * pct(ttft, 99),
            "itl_p50_ms": 1000 * pct(gaps, 50), "itl_p90_ms": 1000 * pct(gaps, 90), "itl_p99_ms": 1000 * pct(gaps, 99)}


def start(name, cmd, port):
    print(f"# starting {name}: {' '.join(cmd)}", file=sys.stderr)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(port, proc)
    return proc


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()


def bench(servers, model_name, args):
    """Both servers stay up (idle ones sleep); each concurrency level runs on one, then the other, so that
    a change in the machine's load hits both alike."""
    for _, port in servers:
        stream_one(port, "Warm up", 8, model_name)
    rows = []
    for c in args.concurrency:
        for name, port in servers:
            r = run_level(port, model_name, c, args.requests_per_client, args.max_tokens)
            r["server"] = name
            rows.append(r)
            print(f"# {name} C={c}: {r['tokens_per_s']:.1f} tok/s, ttft p50 {r['ttft_p50_ms']:.0f} ms, "
                  f"itl p50 {r['itl_p50_ms']:.1f} ms, errors {r['errors']}", file=sys.stderr)
    return sorted(rows, key=lambda r: (r["server"] != "roofline", r["clients"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="GGUF file (default: the default model from Roofline's cache)")
    ap.add_argument("--roofline", default=os.path.join(ROOT, ".build/release/roofline"))
    ap.add_argument("--llama-server", help="llama.cpp's llama-server binary (built outside the repo)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--parallel", type=int, default=16)
    ap.add_argument("--ctx-per-seq", type=int, default=512)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 8, 16])
    ap.add_argument("--requests-per-client", type=int, default=2)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--port", type=int, default=18080)
    ap.add_argument("--json", help="write the raw results here")
    args = ap.parse_args()
    model = args.model
    if not model:
        out = subprocess.run([args.roofline, "inspect", "--json"], capture_output=True, text=True)
        m = re.search(r'"path"\s*:\s*"([^"]+)"', out.stdout)
        model = m.group(1) if m else os.path.expanduser("~/.cache/roofline/models/SmolLM2-135M-Instruct.Q4_1.gguf")
    name = os.path.basename(model)[:-5] if model.endswith(".gguf") else os.path.basename(model)
    procs, servers = [], []
    try:
        procs.append(start("roofline", [args.roofline, "serve", "--model", model, "--port", str(args.port), "--threads", str(args.threads),
                                        "--parallel", str(args.parallel), "--ctx-size", str(args.ctx_per_seq), "--max-queue", "256"], args.port))
        servers.append(("roofline", args.port))
        if args.llama_server:
            env_dir = os.path.dirname(os.path.abspath(args.llama_server))
            os.environ["LD_LIBRARY_PATH"] = env_dir + ":" + os.environ.get("LD_LIBRARY_PATH", "")
            procs.append(start("llama.cpp", [args.llama_server, "-m", model, "--port", str(args.port + 1), "-t", str(args.threads),
                                             "-tb", str(args.threads), "-np", str(args.parallel), "-c", str(args.parallel * args.ctx_per_seq),
                                             "--host", "127.0.0.1", "-cb"], args.port + 1))
            servers.append(("llama.cpp", args.port + 1))
        rows = bench(servers, name, args)
    finally:
        for p in procs:
            stop(p)
    print(f"model {name}, {args.threads} threads, {args.parallel} slots, {args.max_tokens} tokens per request, "
          f"{args.requests_per_client} requests per client\n")
    print("| server | clients | tok/s (aggregate) | × 1 client | vs llama.cpp | TTFT p50 / p90 / p99 ms | ITL p50 / p90 / p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---|---|---:|")
    single = {r["server"]: r["tokens_per_s"] for r in rows if r["clients"] == 1}
    llama = {r["clients"]: r["tokens_per_s"] for r in rows if r["server"] == "llama.cpp"}
    for r in rows:
        base = single.get(r["server"]) or float("nan")
        vs = f"{r['tokens_per_s'] / llama[r['clients']]:.2f}x" if r["server"] == "roofline" and llama.get(r["clients"]) else ""
        print(f"| {r['server']} | {r['clients']} | {r['tokens_per_s']:.1f} | {r['tokens_per_s'] / base:.2f}x | {vs} | "
              f"{r['ttft_p50_ms']:.0f} / {r['ttft_p90_ms']:.0f} / {r['ttft_p99_ms']:.0f} | "
              f"{r['itl_p50_ms']:.1f} / {r['itl_p90_ms']:.1f} / {r['itl_p99_ms']:.1f} | {r['errors']} |")
    if args.json:
        tmp = args.json + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"model": model, "threads": args.threads, "parallel": args.parallel, "results": rows}, f, indent=1)
        os.replace(tmp, args.json)
    if any(r["errors"] for r in rows if r["server"] == "roofline"):
        sys.exit(1)


if __name__ == "__main__":
    main()
