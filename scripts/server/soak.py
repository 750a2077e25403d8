#!/usr/bin/env python3
"""A soak of `roofline serve`: mixed traffic from N concurrent clients for a fixed time, then checks that
nothing leaked. Starts the server itself (so it can watch its memory), or attaches to --base-url with --pid.

Traffic, chosen at random per request: short and long prompts, chat and completions, streamed and whole, clients
that disconnect mid-stream, requests cancelled before their first token (socket closed at once), malformed
bodies, prompts longer than the context, and shared prefixes. Checked throughout and at the end:
  - no 5xx and no connection the server dropped on its own,
  - /health answers within --health-ms (measured every 0.5 s from its own thread),
  - the server's RSS after warm-up stays flat (last third within --rss-growth of the first third),
  - at the end nothing runs or is queued (/health: active 0, queued 0; /metrics KV used 0) and every KV block
    came back (kv_blocks_in_use 0, cached + free = the pool).

    python3 scripts/server/soak.py --binary .build/release/roofline --duration 600 --clients 16

Prints a summary and 'N passed, N failed'; exits non-zero when a check fails.
"""
import argparse
import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time

LONG = " ".join(f"item {i} is the {random.choice(['red', 'green', 'blue'])} one" for i in range(180))
SYSTEM = "You are a careful assistant. " * 40


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.codes = {}
        self.kinds = {}
        self.dropped = 0
        self.errors = []

    def add(self, kind, code):
        with self.lock:
            self.codes[code] = self.codes.get(code, 0) + 1
            self.kinds[kind] = self.kinds.get(kind, 0) + 1

    def fail(self, msg):
        with self.lock:
            if len(self.errors) < 20:
                self.errors.append(msg)


def request(host, port, rng, stats):
    kind = rng.choice(["short", "short", "long", "chat", "shared", "stream", "stream", "disconnect", "cancel",
                       "malformed", "oversize"])
    path = "/v1/completions"
    body = {"prompt": "Once upon a time", "max_tokens": rng.randint(1, 24), "temperature": rng.choice([0, 0.7])}
    if kind == "long":
        body["prompt"] = LONG
    elif kind in ("chat", "shared"):
        path = "/v1/chat/completions"
        sys_msg = SYSTEM if kind == "shared" else "Be brief."
        body = {"messages": [{"role": "system", "content": sys_msg}, {"role": "user", "content": f"Question {rng.randint(0, 999)}?"}],
                "max_tokens": rng.randint(1, 16)}
    elif kind in ("stream", "disconnect"):
        body["stream"] = True
        body["max_tokens"] = rng.randint(8, 48)
    elif kind == "oversize":
        body["prompt"] = "word " * 6000
    raw = json.dumps(body).encode()
    if kind == "malformed":
        raw = rng.choice([b'{"prompt": "x",}', b'{"prompt": 1', b'\xff\xfe{', b'{"prompt": "a", "prompt": "b"}', b'[' * 300])
    if kind in ("cancel", "disconnect"):
        s = socket.create_connection((host, port), timeout=30)
        s.sendall(b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                  + str(len(raw)).encode() + b"\r\n\r\n" + raw)
        if kind == "disconnect":
            got = b""
            while b"data:" not in got:
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
            code = int(got.split(b" ")[1]) if got.startswith(b"HTTP/1.1 ") else 0
            stats.add(kind, code)
            if code >= 500 or code == 0:
                stats.fail(f"{kind}: status {code}")
        else:
            stats.add(kind, "closed")
        s.close()
        return
    c = http.client.HTTPConnection(host, port, timeout=120)
    try:
        c.request("POST", path, body=raw, headers={"Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
    except Exception as e:
        stats.add(kind, "dropped")
        stats.fail(f"{kind}: {type(e).__name__} {e}")
        with stats.lock:
            stats.dropped += 1
        return
    finally:
        c.close()
    stats.add(kind, r.status)
    if r.status >= 500:
        stats.fail(f"{kind}: {r.status} {data[:200]!r}")
    if kind == "stream" and r.status == 200 and not data.endswith(b"data: [DONE]\n\n"):
        stats.fail(f"stream without [DONE]: {data[-200:]!r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", help="roofline executable to start (else --base-url and --pid)")
    ap.add_argument("--model")
    ap.add_argument("--base-url")
    ap.add_argument("--pid", type=int)
    ap.add_argument("--duration", type=float, default=600)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--parallel", type=int, default=8)
    ap.add_argument("--ctx-size", type=int, default=2048)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--health-ms", type=float, default=100)
    ap.add_argument("--rss-growth", type=float, default=0.10)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    server = None
    if args.binary:
        cmd = [args.binary, "serve", "--port", "0", "--threads", str(args.threads), "--parallel", str(args.parallel),
               "--ctx-size", str(args.ctx_size), "--max-queue", "256"] + (["--model", args.model] if args.model else [])
        server = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        port = None
        for line in server.stdout:
            m = re.search(r"127\.0\.0\.1:(\d+)/", line)
            if m:
                port = int(m.group(1))
                break
        if port is None:
            sys.exit("the server did not start")
        host, pid = "127.0.0.1", server.pid
    else:
        u = re.match(r"http://([^:/]+):(\d+)", args.base_url)
        host, port, pid = u.group(1), int(u.group(2)), args.pid

    stats = Stats()
    stop = threading.Event()
    health = []
    rss = []

    def client(i):
        rng = random.Random(args.seed * 1000 + i)
        while not stop.is_set():
            try:
                request(host, port, rng, stats)
            except Exception as e:
                stats.fail(f"client {i}: {type(e).__name__} {e}")

    def watch():
        last_rss = 0.0
        while not stop.is_set():
            t = time.time()
            try:
                c = http.client.HTTPConnection(host, port, timeout=10)
                c.request("GET", "/health")
                c.getresponse().read()
                c.close()
                health.append((time.time() - t) * 1000)
            except Exception as e:
                health.append(10_000)
                stats.fail(f"/health: {e}")
            if pid and time.time() - last_rss > 5:
                rss.append((time.time(), rss_kb(pid)))
                last_rss = time.time()
            time.sleep(0.5)

    start = time.time()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)] + [threading.Thread(target=watch)]
    for t in threads:
        t.start()
    time.sleep(args.duration)
    stop.set()
    for t in threads:
        t.join()
    time.sleep(1)

    c = http.client.HTTPConnection(host, port, timeout=10)
    c.request("GET", "/health")
    final = json.loads(c.getresponse().read())
    c.request("GET", "/metrics")
    metrics = c.getresponse().read().decode()
    c.close()
    kv_used = re.search(r"^roofline_kv_cache_used_tokens\S*\s+(\S+)$", metrics, re.M)

    results = []

    def check(name, ok, detail):
        results.append(bool(ok))
        print(("ok   " if ok else "FAIL ") + f"{name}: {detail}", flush=True)

    total = sum(v for v in stats.codes.values())
    fivexx = sum(v for k, v in stats.codes.items() if isinstance(k, int) and k >= 500)
    print(f"soak: {time.time() - start:.0f} s, {args.clients} clients, {total} requests; by kind {json.dumps(stats.kinds, sort_keys=True)}; "
          f"by status {json.dumps({str(k): v for k, v in stats.codes.items()}, sort_keys=True)}")
    check("no 5xx", fivexx == 0, f"{fivexx}")
    check("no dropped connections", stats.dropped == 0, f"{stats.dropped}")
    hs = sorted(health)
    p99 = hs[int(len(hs) * 0.99) - 1] if hs else 0
    check(f"/health within {args.health_ms:.0f} ms", hs and hs[-1] < args.health_ms,
          f"{len(hs)} probes, median {hs[len(hs) // 2]:.1f} ms, p99 {p99:.1f} ms, max {hs[-1]:.1f} ms" if hs else "no probes")
    if len(rss) >= 6:
        warm = [r for t, r in rss if t - start > args.duration * 0.2]
        third = max(1, len(warm) // 3)
        first, last = sum(warm[:third]) / third, sum(warm[-third:]) / third
        check("RSS flat after warm-up", last <= first * (1 + args.rss_growth), f"{first / 1024:.0f} MB -> {last / 1024:.0f} MB")
    check("nothing running or queued at the end", final.get("active") == 0 and final.get("queued") == 0, json.dumps(final))
    if kv_used:
        check("no KV position held at the end", float(kv_used.group(1)) == 0, kv_used.group(0))
    blocks = {k: float(v) for k, v in re.findall(r"^roofline_kv_blocks_(in_use|cached|free)\s+(\S+)$", metrics, re.M)}
    if blocks:
        capacity = re.search(r"^roofline_kv_cache_capacity_tokens\S*\s+(\S+)$", metrics, re.M)
        total = float(capacity.group(1)) / 32 if capacity else None
        check("every KV block returned (in use 0; cached + free = the pool)",
              blocks.get("in_use") == 0 and total is not None and blocks.get("cached", 0) + blocks.get("free", 0) == total,
              json.dumps(blocks) + f", pool {total:.0f} blocks" if total else json.dumps(blocks))
    for e in stats.errors:
        print("  " + e)
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    if server:
        server.terminate()
        server.wait(timeout=60)
    sys.exit(0 if passed == len(results) else 1)


if __name__ == "__main__":
    main()
