#!/usr/bin/env python3
"""Stops a running `roofline serve` with SIGTERM while a stream is in flight and checks the graceful drain: the
stream runs to its end (finish_reason "length", then "data: [DONE]"), /health turns 503 while draining, and a
request that arrives during the drain is refused (503, or a refused connection once the server has exited).

    python3 scripts/server/sigterm_check.py --base-url http://127.0.0.1:8080 --pid 1234

The stream is read on one connection and /health probed on others, each with its own socket, so no probe waits
behind the stream. Prints one line per check and 'N passed, N failed'; exits non-zero when any check fails.
"""
import argparse
import http.client
import json
import os
import signal
import sys
import time
import urllib.parse

results = []


def check(name, ok, detail=""):
    ok = bool(ok)
    results.append(ok)
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"), flush=True)


def health(host, port):
    c = http.client.HTTPConnection(host, port, timeout=30)
    try:
        c.request("GET", "/health")
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--pid", type=int, required=True, help="the server's process id, to send SIGTERM to")
    ap.add_argument("--max-tokens", type=int, default=400)
    ap.add_argument("--deadline", type=float, default=300, help="seconds the whole check may take")
    a = ap.parse_args()
    u = urllib.parse.urlparse(a.base_url)
    host, port = u.hostname, u.port
    deadline = time.monotonic() + a.deadline

    stream = http.client.HTTPConnection(host, port, timeout=a.deadline)
    body = json.dumps({"prompt": "1, 2, 3,", "max_tokens": a.max_tokens, "temperature": 0,
                       "ignore_eos": True, "stream": True})
    stream.request("POST", "/v1/completions", body=body, headers={"Content-Type": "application/json"})
    # The response head comes with the first generated token: from then on the stream is running.
    resp = stream.getresponse()
    check("the stream starts (200)", resp.status == 200, resp.status)
    first = resp.readline()
    check("the first event is data", first.startswith(b"data: "), first[:200])

    os.kill(a.pid, signal.SIGTERM)
    status = 200
    while status == 200 and time.monotonic() < deadline:
        try:
            status, _ = health(host, port)
        except OSError:
            status = None  # the server already exited: the stream's own end decides below
            break
        if status == 200:
            time.sleep(0.005)
    check("/health turns 503 while draining (or the server has gone)", status in (503, None), status)

    try:
        c = http.client.HTTPConnection(host, port, timeout=30)
        c.request("POST", "/v1/completions", body=json.dumps({"prompt": "x", "max_tokens": 2, "stream": True}),
                  headers={"Content-Type": "application/json"})
        late = c.getresponse().status
        c.close()
    except OSError:
        late = None
    check("a request during the drain is refused (503 or a refused connection)", late in (503, None), late)

    rest = first + resp.read()
    stream.close()
    text = rest.decode("utf-8", "replace")
    check("the stream ran to its end", '"finish_reason":"length"' in text, text[-300:])
    check("the stream ends with [DONE]", text.endswith("data: [DONE]\n\n"), text[-100:])
    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
