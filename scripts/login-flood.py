#!/usr/bin/env python3
"""Failed basic-auth logins against `scopegate serve`, and what they do to unrelated decisions.
Bounded in time (about 25 s); prints figures, asserts nothing about time.

    python3 scripts/login-flood.py path/to/scopegate

For 8 and then 32 flooding clients (separate processes, each sending failed logins as fast as
answers come), it prints the answers the flood got (401 checked and wrong, 429 limited, 503 pool
full), the flood's rate, and p50/p99/max of unrelated JWT decisions sent meanwhile on one
kept-alive connection, next to the same figures with no flood, and with 32 clients sending
requests without credentials (a control: the load of 32 clients on a 2-core machine, without any
hashing). Two settings: the defaults (the
per-user and per-address limits answer most of the flood with 429 before any hashing), and the
limits raised out of the way (so the bounded hashing pool alone holds the flood). With LEGACY=1
it runs the first setting with the flags of the release before the hardening.
"""

import collections
import http.client
import multiprocessing
import os
import sys
import time

from serve_fixture import LEGACY, Served, basic, decide, percentile, token

SECONDS = 4


def flood(port, worker, until, results, anonymous=False):
    counts = collections.Counter()
    conn = None
    n = 0
    while time.time() < until:
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            # Unknown and known users alike, each guess different.
            user = "bm-till-1" if n % 2 else f"guess-{worker}-{n}"
            credential = "" if anonymous else basic(user, f"wrong-{worker}-{n}")
            status, _ = decide(conn, "POST", "/sales/v1/transactions", credential)
            counts[status] += 1
        except (OSError, http.client.HTTPException):
            counts["error"] += 1
            conn = None
        n += 1
    results.put(dict(counts))


def decisions(port, seconds):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    bearer = "Bearer " + token()
    latencies = []
    until = time.time() + seconds
    while time.time() < until:
        status, took = decide(conn, "GET", "/customers/v1/customers", bearer)
        assert status == 200, status
        latencies.append(took)
    return latencies


def line(label, latencies, extra=""):
    ms = lambda s: f"{s * 1000:7.2f} ms"  # noqa: E731
    print(f"  {label:<30} decisions: {len(latencies):6d}  p50 {ms(percentile(latencies, 50))}  "
          f"p99 {ms(percentile(latencies, 99))}  max {ms(max(latencies))}{extra}")


def scenario(scopegate, title, extra):
    print(f"{title}")
    with Served(scopegate, extra) as served:
        line("no flood", decisions(served.port, SECONDS))
        for clients, anonymous in ((8, False), (32, False), (32, True)):
            results = multiprocessing.Queue()
            until = time.time() + SECONDS
            workers = [multiprocessing.Process(target=flood, args=(served.port, i, until, results, anonymous))
                       for i in range(clients)]
            for w in workers:
                w.start()
            time.sleep(0.2)
            latencies = decisions(served.port, SECONDS - 0.4)
            counts = collections.Counter()
            for _ in workers:
                counts.update(results.get())
            for w in workers:
                w.join()
            total = sum(counts.values())
            answers = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=str))
            label = f"{clients} clients, no credentials" if anonymous else f"{clients} flooding clients"
            line(label, latencies, f"   flood: {total / SECONDS:7.0f} requests/s ({answers})")


def main():
    scopegate = os.path.abspath(sys.argv[1])
    print(f"scopegate serve (2 worker threads, login pool: defaults), {SECONDS} s per phase")
    scenario(scopegate, "- default limits (10 failures per user, 30 per address, per minute)", ["--threads", "2"])
    if LEGACY:
        return 0
    scenario(scopegate, "- limits raised: the bounded hashing pool alone",
             ["--threads", "2", "--max-failed-logins-per-user", "1000000",
              "--max-failed-logins-per-address", "1000000"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
