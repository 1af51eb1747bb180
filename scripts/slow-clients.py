#!/usr/bin/env python3
"""Slow and many clients against `scopegate serve`. Bounded in time (about 20 s); prints figures
(connections held over time, refusals, accept errors, whether health and decisions answer),
asserts nothing about time.

    python3 scripts/slow-clients.py path/to/scopegate

1. 300 half-sent requests (headers never finished) with --header-read-timeout 2 and
   --max-connections 200: how many are held, refused at once, and still open after the timeout.
2. Idle kept-alive connections with --idle-timeout 3: still open after it?
3. Few file descriptors (the server's limit set to 128, 400 connections): the connection cap is
   fitted under the limit, so accepts do not fail and /healthz keeps answering.
4. The limit lowered underneath the running server: accepts fail, and back off instead of
   spinning (the last release logged 1.15 M failures in 9 s).
"""

import http.client
import os
import resource
import socket
import sys
import time

from serve_fixture import Served, decide, get, token

# What must hold whatever the timings: the script fails on these, never on a figure.
failures = []


def expect(condition, what):
    if not condition:
        failures.append(what)
        print(f"   FAILED: {what}")


def connect(port, payload=b""):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    if payload:
        s.sendall(payload)
    return s


def still_open(sockets):
    """Connections the server has not closed (a read would block, not return EOF)."""
    n = 0
    for s in sockets:
        s.setblocking(False)
        try:
            data = s.recv(1 << 16)
            if data and b"HTTP/1.1" not in data:
                n += 1
        except BlockingIOError:
            n += 1
        except OSError:
            pass
    return n


def decision_works(port):
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        status, took = decide(conn, "GET", "/customers/v1/customers", "Bearer " + token())
        return f"{status} in {took * 1000:.2f} ms"
    except OSError as e:
        return f"failed ({type(e).__name__})"


def half_sent(scopegate):
    print("1. 300 half-sent requests; --header-read-timeout 2, --max-connections 200")
    with Served(scopegate, ["--header-read-timeout", "2", "--max-connections", "200"]) as served:
        half = b"GET /_auth HTTP/1.1\r\nHost: x\r\nX-Original-Method: GET\r\nX-Orig"
        sockets = [connect(served.port, half) for _ in range(300)]
        time.sleep(0.5)
        print(f"   after 0.5 s: {still_open(sockets)} held open by the server, "
              f"connections_open={served.metric('scopegate_connections_open'):.0f}, "
              f"refused at once={served.metric('scopegate_connections_refused_total'):.0f}; "
              f"/healthz -> {get(served.admin, '/healthz')[0]}; a new decision -> {decision_works(served.port)}")
        time.sleep(3)
        held = still_open(sockets)
        after = decision_works(served.port)
        print(f"   after 3.5 s: {held} held open, "
              f"connections_open={served.metric('scopegate_connections_open'):.0f}, "
              f"timed out (header-read)={served.metric('scopegate_connections_timed_out_total'):.0f}; "
              f"a new decision -> {after}")
        expect(held == 0, "half-sent requests held past the header-read timeout")
        expect(after.startswith("200"), "decisions after the slow clients")
        for s in sockets:
            s.close()


def idle(scopegate):
    print("2. 100 idle kept-alive connections after one decision each; --idle-timeout 3")
    with Served(scopegate, ["--idle-timeout", "3"]) as served:
        conns = []
        for _ in range(100):
            c = http.client.HTTPConnection("127.0.0.1", served.port, timeout=5)
            decide(c, "GET", "/customers/v1/customers", "Bearer " + token())
            conns.append(c)
        time.sleep(1)
        print(f"   after 1 s: {still_open([c.sock for c in conns])} open")
        time.sleep(4)
        held = still_open([c.sock for c in conns])
        print(f"   after 5 s: {held} open, "
              f"timed out (idle)={served.metric('scopegate_connections_timed_out_total'):.0f}")
        expect(held == 0, "idle connections held past the idle timeout")


def out_of_descriptors(scopegate):
    print("3. out of file descriptors: the server limited to 128, 400 connections held for 3 s")

    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (128, 128))

    with Served(scopegate, ["--header-read-timeout", "30"], preexec=limit) as served:
        sockets = []
        for _ in range(400):
            try:
                sockets.append(connect(served.port, b"GET /_auth HTTP/1.1\r\n"))
            except OSError:
                break
        health = []
        for _ in range(6):
            time.sleep(0.5)
            try:
                health.append(get(served.admin, "/healthz", timeout=2)[0])
            except OSError as e:
                health.append(type(e).__name__)
        errors = served.metric("scopegate_accept_errors_total")
        lines = len(served.events("accept-failed"))
        print(f"   connected {len(sockets)}, accept errors {errors:.0f} in 3 s, logged as {lines} line(s); "
              f"/healthz every 0.5 s -> {health}")
        expect(all(h == 200 for h in health), "/healthz with few descriptors")
        for s in sockets:
            s.close()
        time.sleep(0.5)
        print(f"   after the clients left: a new decision -> {decision_works(served.port)}")


def lowered_underneath(scopegate):
    print("4. the descriptor limit lowered to 64 underneath the running server (prlimit), 200 connections")
    with Served(scopegate, ["--header-read-timeout", "30"]) as served:
        resource.prlimit(served.proc.pid, resource.RLIMIT_NOFILE, (64, 64))
        sockets = []
        for _ in range(200):
            try:
                sockets.append(connect(served.port, b"GET /_auth HTTP/1.1\r\n"))
            except OSError:
                break
        time.sleep(3)
        lines = len(served.events("accept-failed"))
        for s in sockets:
            s.close()
        time.sleep(1.5)
        errors = served.metric("scopegate_accept_errors_total")
        print(f"   connected {len(sockets)}; in 3 s: {errors:.0f} failed accepts (backing off 5 ms to 1 s), "
              f"logged as {lines} line(s); after the clients left: /healthz -> {get(served.admin, '/healthz')[0]}, "
              f"a new decision -> {decision_works(served.port)}")


def main():
    scopegate = os.path.abspath(sys.argv[1])
    half_sent(scopegate)
    idle(scopegate)
    out_of_descriptors(scopegate)
    lowered_underneath(scopegate)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
