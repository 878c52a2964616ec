#!/usr/bin/env python3
"""Load test of `nl2sql serve` on loopback: N concurrent clients for a bounded time.

    cargo build --release && python3 benches/load_test.py --clients 16 64 --seconds 60

Starts the release binary on 127.0.0.1 (an ephemeral port), then for each client count
runs that many threads for --seconds, each asking questions in a loop (a 503 is retried
after 0.2 s), waits for every request in flight, and prints throughput, p50/p95/p99
latency, the 503 rate, other errors, lost or duplicated answers (every request carries a
unique request_id that the server echoes) and the server's peak RSS (VmHWM). Standard
library only; traffic goes to 127.0.0.1 and nowhere else; every loop is bounded in time.
"""
import argparse, collections, http.client, json, os, re, subprocess, sys, threading, time, uuid

COMPANIES = ["比亚迪", "长城汽车", "美的集团", "海天味业", "海尔智家", "伊利股份", "恒瑞医药", "宁德时代", "中国建筑", "紫金矿业"]
METRICS = ["营收", "净利润", "研发费用", "总资产"]
YEARS = ["2019", "2020", "2021"]


def questions():
    i = 0
    while True:
        c, m, y = COMPANIES[i % len(COMPANIES)], METRICS[(i // 10) % len(METRICS)], YEARS[(i // 40) % len(YEARS)]
        yield f"{c}{y}年{m}是多少？"
        i += 1


def percentile(v, p):
    if not v:
        return float("nan")
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p * (len(v) - 1))))]


def rss_mb(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def level(port, clients, seconds, timeout):
    gen, gen_lock = questions(), threading.Lock()
    sent, answers, results = set(), collections.Counter(), []
    lock = threading.Lock()
    stop_at = time.time() + seconds

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        while time.time() < stop_at:
            with gen_lock:
                q = next(gen)
            rid = uuid.uuid4().hex
            body = json.dumps({"question": q, "request_id": rid}, ensure_ascii=False).encode()
            with lock:
                sent.add(rid)
            t0 = time.time()
            try:
                conn.request("POST", "/api/ask", body, {"Content-Type": "application/json"})
                r = conn.getresponse()
                data = r.read()
                status = r.status
            except Exception as e:  # a dropped connection is an error, not a 503
                status, data = f"exc:{type(e).__name__}", b""
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            dt = time.time() - t0
            with lock:
                results.append((status, dt))
                if status == 200:
                    answers[json.loads(data).get("request_id")] += 1
            if status == 503:
                time.sleep(0.2)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.time() - t0
    ok = [dt for s, dt in results if s == 200]
    busy = sum(1 for s, _ in results if s == 503)
    other = collections.Counter(str(s) for s, _ in results if s not in (200, 503))
    # every request got exactly one reply; every 200 carried its own request_id once
    lost = len(sent) - len(results)
    dup = sum(n - 1 for n in answers.values() if n > 1) + sum(1 for k in answers if k not in sent)
    return {"clients": clients, "seconds": round(wall, 1), "requests": len(results), "answered": len(ok),
            "throughput_per_min": round(len(ok) / wall * 60, 1), "p50_s": round(percentile(ok, 0.5), 2),
            "p95_s": round(percentile(ok, 0.95), 2), "p99_s": round(percentile(ok, 0.99), 2),
            "rate_503": round(busy / max(1, len(results)), 3), "other_errors": dict(other), "lost": lost, "duplicated": dup}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default="target/release/nl2sql")
    ap.add_argument("--clients", type=int, nargs="+", default=[16, 64])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--queue", type=int, default=32)
    ap.add_argument("--timeout-s", type=int, default=120)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()
    if a.seconds <= 0 or a.seconds > 600 or any(c < 1 or c > 256 for c in a.clients):
        sys.exit("--seconds 1..600 and --clients 1..256")
    srv = subprocess.Popen([a.bin, "--threads", str(a.threads), "serve", "--addr", "127.0.0.1:0", "--queue", str(a.queue),
                            "--timeout-s", str(a.timeout_s)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
    try:
        port = None
        deadline = time.time() + 300
        while time.time() < deadline:
            line = srv.stderr.readline()
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", line)
            if m:
                port = int(m.group(1))
                break
            if not line and srv.poll() is not None:
                break
        if port is None:
            sys.exit("server did not start")
        threading.Thread(target=lambda: [None for _ in srv.stderr], daemon=True).start()
        rss0 = rss_mb(srv.pid, "VmRSS")
        out = {"rss_after_load_mb": round(rss0, 1), "levels": []}
        for c in a.clients:
            r = level(port, c, a.seconds, a.timeout_s + 30)
            r["peak_rss_mb"] = round(rss_mb(srv.pid, "VmHWM"), 1)
            out["levels"].append(r)
            print(json.dumps(r, ensure_ascii=False), flush=True)
        out["cpu"] = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
        out["queue"], out["timeout_s"], out["threads"] = a.queue, a.timeout_s, a.threads
        if a.json:
            with open(a.json, "w") as f:
                json.dump(out, f, ensure_ascii=False, indent=1)
        bad = any(l["lost"] or l["duplicated"] or l["other_errors"] for l in out["levels"])
        print("FAIL: lost, duplicated or non-503 errors" if bad else "ok: no request lost or answered twice, no error other than 503")
        sys.exit(1 if bad else 0)
    finally:
        srv.terminate()
        try:
            srv.wait(30)
        except subprocess.TimeoutExpired:
            srv.kill()


if __name__ == "__main__":
    main()
