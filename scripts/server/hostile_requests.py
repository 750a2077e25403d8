#!/usr/bin/env python3
"""Sends the requests that once broke `roofline serve` (malformed HTTP framing, ambiguous or non-UTF-8 JSON, bad
numbers, stalled connections, huge prompts and message lists) to a running server and checks each answer: a 4xx
in OpenAI's error shape naming the field, never a 5xx, and /health answering quickly throughout.

    python3 scripts/server/hostile_requests.py --base-url http://127.0.0.1:8080 --idle-timeout 2

Prints one line per check and 'N passed, N failed'; exits non-zero when any check fails.
"""
import argparse
import http.client
import json
import socket
import sys
import threading
import time
import urllib.parse

results = []


def check(name, ok, detail=""):
    ok = bool(ok)
    results.append(ok)
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"), flush=True)


def post(host, port, path, body, headers=None, timeout=120):
    c = http.client.HTTPConnection(host, port, timeout=timeout)
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    c.request("POST", path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def error_of(data):
    try:
        return json.loads(data)["error"]
    except Exception:
        return None


def raw(host, port, payload, timeout=10):
    """Sends raw bytes and returns the status line's code (0 when the server closed without answering)."""
    s = socket.create_connection((host, port), timeout=timeout)
    s.sendall(payload)
    buf = b""
    try:
        while b"\r\n" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
    except socket.timeout:
        pass
    s.close()
    parts = buf.split(b" ")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def health_ms(host, port):
    t = time.time()
    c = http.client.HTTPConnection(host, port, timeout=30)
    c.request("GET", "/health")
    r = c.getresponse()
    r.read()
    c.close()
    return (time.time() - t) * 1000, r.status


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--idle-timeout", type=float, default=30, help="the server's --idle-timeout, seconds")
    ap.add_argument("--patience", type=float, default=1.0,
                    help="multiplies the time bounds (a suite running beside other work passes 3: the checks are about "
                         "freezes of minutes, not speed)")
    args = ap.parse_args()
    u = urllib.parse.urlparse(args.base_url)
    host, port = u.hostname, u.port
    comp = "/v1/completions"

    code = raw(host, port, b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
    check("bad chunk size is 400", code == 400, f"got {code}")

    st, data = post(host, port, comp, b'{"prompt": "hi", "max_tokens": 1, "max_tokens": 2}')
    e = error_of(data)
    check("duplicate key is 400 naming it", st == 400 and e and e.get("param") == "max_tokens", f"{st} {data[:200]}")
    st, data = post(host, port, comp, b'{"prompt": "hi", "max_tokens": 1,}')
    check("trailing comma is 400", st == 400 and error_of(data), f"{st} {data[:200]}")
    st, data = post(host, port, comp, '{"prompt": "hi", "max_tokens": 1}'.encode("utf-16"))
    check("UTF-16 body is 400", st == 400 and error_of(data), f"{st} {data[:200]}")
    st, data = post(host, port, comp, b'{"prompt": "hi", "max_tokens": 2.5}')
    e = error_of(data)
    check("fractional max_tokens is 400 naming it", st == 400 and e and e.get("param") == "max_tokens", f"{st} {data[:200]}")
    st, data = post(host, port, comp, b'{"prompt": "hi", "max_tokens": 1, "top_p": 1e-300}')
    check("top_p 1e-300 is accepted (keeps the best token)", st == 200, f"{st} {data[:200]}")
    st, data = post(host, port, comp, b'{"prompt": "hi", "max_tokens": 1e400}')
    check("number out of range is 400", st == 400, f"{st} {data[:200]}")
    st, data = post(host, port, comp, b'[' * 5000 + b']' * 5000)
    check("deep nesting is 400", st == 400, f"{st} {data[:200]}")

    # A stalled header (slowloris): the server closes it once the idle timeout passes.
    s = socket.create_connection((host, port), timeout=args.idle_timeout * 4 + 10)
    s.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\n")
    t = time.time()
    try:
        closed = s.recv(1) == b""
    except (ConnectionResetError, socket.timeout):
        closed = True
    waited = time.time() - t
    s.close()
    check("stalled header is closed after the idle timeout", closed and waited < (args.idle_timeout * 3 + 5) * args.patience, f"waited {waited:.1f} s")

    # Huge prompts while /health stays responsive: a 100 KB single word (the quadratic-BPE freeze), and two such
    # requests whose clients leave at once.
    word = "x" * 100_000
    worst = [0.0]
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            ms, _ = health_ms(host, port)
            worst[0] = max(worst[0], ms)
            time.sleep(0.05)

    w = threading.Thread(target=watch)
    w.start()
    t = time.time()
    st, data = post(host, port, comp, json.dumps({"prompt": word, "max_tokens": 1}).encode())
    took = time.time() - t
    check("100 KB single-word prompt answers quickly (400: longer than the context)", st in (200, 400) and took < 20 * args.patience,
          f"{st} after {took:.1f} s")
    for _ in range(2):
        c = http.client.HTTPConnection(host, port, timeout=5)
        c.request("POST", comp, body=json.dumps({"prompt": word * 3, "max_tokens": 1}), headers={"Content-Type": "application/json"})
        c.close()
    time.sleep(2)
    msgs = [{"role": "user", "content": ""}] * 120_000
    t = time.time()
    st, data = post(host, port, "/v1/chat/completions", json.dumps({"messages": msgs, "max_tokens": 1}).encode())
    took = time.time() - t
    check("120k empty messages are refused quickly", 400 <= st < 500 and took < 10 * args.patience, f"{st} after {took:.1f} s: {data[:200]}")
    stop.set()
    w.join()
    check(f"/health answered within {250 * args.patience:.0f} ms throughout", worst[0] < 250 * args.patience, f"slowest {worst[0]:.0f} ms")

    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    sys.exit(0 if passed == len(results) else 1)


if __name__ == "__main__":
    main()
