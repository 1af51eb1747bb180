#!/usr/bin/env python3
"""End to end: a real nginx with auth_request in front of a small upstream, backed by
`scopegate serve`. Run by .ci/run (which installs nginx from Debian); prints a transcript.

Usage: tests/integrations/nginx.py SCOPEGATE_BINARY

- tokens (HS256 JWTs made here), till basic auth (argon2 credentials), no credentials:
  200, 401 (with WWW-Authenticate), 403 (with insufficient_scope), 400;
- bypass attempts (encoded slashes, dot-segments, double encoding, matrix parameters, ...)
  sent raw: none reaches the upstream;
- scopegate directly: Envoy-style checks, /healthz, /readyz, /metrics, 503 without a table;
- reload while requests flow: the table and groups rewritten (once with a broken table) and
  SIGHUP sent while two threads send allowed requests: every one of them gets its 200;
- spoofing: client-sent trusted headers (X-Scopegate-Client, X-Verified-Claims) give nothing
  and never reach the upstream; a client's X-Original-URI cannot replace the request line;
  two Authorization headers are a 400;
- key rotation while requests flow: the JWT secret rewritten in place; the old key is refused
  within the reload interval, the new one accepted, and no till request is lost meanwhile;
- the decision log holds no token or password; SIGTERM stops the server cleanly, and nginx is
  stopped by its master (graceful quit) with no worker left behind.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from harness import (BYPASSES, SECRET, TILL_PASSWORD, REPO, Upstream, alive, basic, check, children, connections_kept,
                     failures, flowing, free_port, prepare_retail, request, start_upstream, token, wait_for)


def stop_nginx(master):
    """A graceful quit sent to nginx's master, then a wait for it and every worker it had; a
    worker that outlives its master fails the test (and is killed)."""
    if master.poll() is not None:
        return
    workers = children(master.pid)
    master.send_signal(signal.SIGQUIT)
    try:
        master.wait(15)
    except subprocess.TimeoutExpired:
        master.kill()
        master.wait()
        check(False, "nginx's master did not quit within 15 s")
    end = time.time() + 10
    while time.time() < end and any(alive(w) for w in workers):
        time.sleep(0.05)
    left = [w for w in workers if alive(w)]
    for w in left:
        os.kill(w, signal.SIGKILL)
    print(f"--- nginx stopped: master {master.pid} quit, {len(workers)} worker(s), {len(left)} left behind")
    check(workers and not left, f"nginx workers outlived their master: {left} of {workers}")


def main():
    scopegate = os.path.abspath(sys.argv[1])
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    work = tempfile.mkdtemp(prefix="scopegate-nginx-")
    procs = []
    try:
        # The retail example: table, groups, credentials for one till, the JWT secret.
        prepare_retail(scopegate, work)
        sg_port, admin_port, nginx_port = free_port(), free_port(), free_port()
        upstream_port = start_upstream()

        sg_log = open(os.path.join(work, "scopegate.err"), "w")
        sg = subprocess.Popen([
            scopegate, "serve", "--gateway", "nginx", "--table", "table.json", "--groups", "groups.yaml",
            "--credentials", "tills.txt", "--jwt-hs256-secret", "secret", "--jwt-issuer", "https://identity.example.com",
            "--jwt-audience", "retail-api", "--trusted-client-header", "X-Scopegate-Client",
            "--trusted-claims-header", "X-Verified-Claims", "--client-address-header", "X-Real-IP",
            "--listen", f"127.0.0.1:{sg_port}", "--admin-listen", f"127.0.0.1:{admin_port}", "--decision-log", "decisions.jsonl", "--poll-ms", "200",
        ], cwd=work, stderr=sg_log)
        procs.append(sg)
        wait_for(admin_port)

        # The shipped snippet, with this run's addresses.
        with open(os.path.join(REPO, "examples/nginx/scopegate.conf")) as f:
            snippet = f.read()
        for old, new in [("127.0.0.1:8181", f"127.0.0.1:{sg_port}"), ("127.0.0.1:8080", f"127.0.0.1:{upstream_port}"),
                         ("127.0.0.1:8000", f"127.0.0.1:{nginx_port}")]:
            assert old in snippet, old
            snippet = snippet.replace(old, new)
        with open(os.path.join(work, "scopegate.conf"), "w") as f:
            f.write(snippet)
        conf = f"""
daemon off;
worker_processes 1;
error_log {work}/nginx-error.log warn;
pid {work}/nginx.pid;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {work}/tmp-body;
  proxy_temp_path {work}/tmp-proxy;
  fastcgi_temp_path {work}/tmp-fastcgi;
  uwsgi_temp_path {work}/tmp-uwsgi;
  scgi_temp_path {work}/tmp-scgi;
  include {work}/scopegate.conf;
}}
"""
        with open(os.path.join(work, "nginx.conf"), "w") as f:
            f.write(conf)
        ng = subprocess.Popen([nginx, "-c", os.path.join(work, "nginx.conf"), "-p", work],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        procs.append(ng)
        wait_for(nginx_port, "/_nothing")
        version = subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr.strip()
        print(f"--- {version} on :{nginx_port} -> scopegate serve on :{sg_port}, upstream on :{upstream_port}")

        reader = {"Authorization": "Bearer " + token("customer.read loyalty.points.read")}
        writer = {"Authorization": "Bearer " + token("customer.read customer.write")}
        expired = {"Authorization": "Bearer " + token("customer.read", exp=int(time.time()) - 600)}
        forged = {"Authorization": "Bearer " + token("store-admin.stores.write", secret=b"x" * 40, sub="mallory")}
        till = {"Authorization": basic("bm-till-1", TILL_PASSWORD)}
        wrong = {"Authorization": basic("bm-till-1", "not-the-password")}

        cases = [
            ("no credentials", "GET", "/customers/v1/customers", {}, 401),
            ("token with customer.read", "GET", "/customers/v1/customers?page=2", reader, 200),
            ("token with customer.read", "POST", "/customers/v1/customers", reader, 403),
            ("token with customer.write", "POST", "/customers/v1/customers", writer, 200),
            ("expired token", "GET", "/customers/v1/customers", expired, 401),
            ("token signed with another key", "POST", "/store-admin/v1/stores", forged, 401),
            ("till bm-till-1 (POS)", "POST", "/sales/v1/transactions", till, 200),
            ("till bm-till-1 (POS)", "POST", "/loyalty/v1/members/42/points/redeem", till, 200),
            ("till bm-till-1 (POS)", "POST", "/store-admin/v1/stores", till, 403),
            ("till, wrong password", "POST", "/sales/v1/transactions", wrong, 401),
            ("token, no such route", "GET", "/customers/v1/everything", reader, 403),
            ("token, dot-segment", "GET", "/customers/v1/customers/../customers", reader, 400),
        ]
        print("--- through nginx")
        for who, method, path, headers, want in cases:
            before = len(Upstream.seen)
            status, h, body = request(nginx_port, method, path, headers)
            reached = len(Upstream.seen) > before
            extra = ""
            if "www-authenticate" in h:
                extra = f"  WWW-Authenticate: {h['www-authenticate']}"
            print(f"    {method} {path} [{who}] -> {status}{' (upstream reached)' if reached else ''}{extra}")
            check(status == want, f"{who} {method} {path}: {status}, wanted {want}")
            check(reached == (want == 200), f"{who} {method} {path}: upstream reached = {reached}")
            if want == 401:
                check("www-authenticate" in h, f"{who}: 401 without WWW-Authenticate")
            if want == 403 and who == "token with customer.read":
                check('error="insufficient_scope", scope="customer.write"' in h.get("www-authenticate", ""),
                      f"insufficient_scope missing: {h}")
        principal = [s for s in Upstream.seen if s[0] == "POST" and s[1] == "/sales/v1/transactions"]
        check(principal and principal[-1][2] == "client:bm-till-1" and principal[-1][3] == "POST /transactions",
              f"upstream headers: {principal}")

        # Bypass attempts by a POS till, which may not touch store administration, and by a
        # reader, which may only read customers and points. Sent raw; none may reach upstream.
        print("--- bypass attempts through nginx (POST as till bm-till-1)")
        for path in BYPASSES:
            before = len(Upstream.seen)
            try:
                status, _, _ = request(nginx_port, "POST", path, till)
            except Exception as e:  # noqa: BLE001 - a refused request is a pass
                status = f"connection refused by nginx ({type(e).__name__})"
            reached = len(Upstream.seen) > before
            print(f"    POST {path} -> {status}{'  REACHED UPSTREAM' if reached else ''}")
            check(not reached, f"bypass reached the upstream: {path}")
            check(status != 200, f"bypass allowed: {path}")

        # Spoofing: what a client sends in the headers scopegate trusts or sets.
        print("--- spoofed gateway headers through nginx")
        admin_claims = json.dumps({"sub": "root", "scope": "store-admin.stores.write customer.write",
                                   "exp": int(time.time()) + 600})
        spoofs = [
            ("client-sent X-Scopegate-Client, no password", "POST", "/sales/v1/transactions",
             {"X-Scopegate-Client": "bm-till-1"}, 401),
            ("client-sent X-Verified-Claims (admin)", "POST", "/store-admin/v1/stores",
             {"X-Verified-Claims": admin_claims}, 401),
            ("reader token + X-Scopegate-Client of a till", "POST", "/sales/v1/transactions",
             {**reader, "X-Scopegate-Client": "bm-till-1"}, 403),
            ("reader token + X-Original-URI of an allowed path", "POST", "/customers/v1/customers",
             {**reader, "X-Original-URI": "/customers/v1/customers", "X-Original-Method": "GET"}, 403),
            ("reader token + X-Original-URI twice", "GET", "/customers/v1/customers",
             [*reader.items(), ("X-Original-URI", "/store-admin/v1/stores"), ("X-Original-URI", "/x")], 200),
            ("reader token + spoofed X-Scopegate-Principal", "GET", "/customers/v1/customers",
             {**reader, "X-Scopegate-Principal": "client:admin", "X-Scopegate-Decision-Id": "1"}, 200),
            ("two Authorization headers", "GET", "/customers/v1/customers",
             [("Authorization", reader["Authorization"]), ("Authorization", writer["Authorization"])], 400),
        ]
        for who, method, path, headers, want in spoofs:
            before = len(Upstream.seen)
            status, h, body = request(nginx_port, method, path, headers)
            reached = len(Upstream.seen) > before
            print(f"    {method} {path} [{who}] -> {status}{' (upstream reached)' if reached else ''}")
            check(status == want, f"{who}: {status}, wanted {want}")
            check(reached == (want == 200), f"{who}: upstream reached = {reached}")
            if reached:
                check(Upstream.seen[-1][2] == "sub:alice", f"{who}: upstream principal {Upstream.seen[-1][2]}")
        check(not Upstream.leaked, f"client copies of gateway headers reached the upstream: {Upstream.leaked}")
        print(f"    client copies of trusted or set headers seen by the upstream: {len(Upstream.leaked)}")

        # auth_request never reads an answer's body, and nginx closes an upstream connection
        # whose body it left unread: the example asks with HEAD so that its connections to
        # scopegate are kept for the next subrequest instead of one new connection per request.
        kept = connections_kept(nginx_port, admin_port, "/customers/v1/customers", reader)
        print(f"    after 20 requests through nginx: {kept} connection(s) from nginx kept open to scopegate")
        check(kept >= 1, "nginx closed its connection to scopegate after each subrequest (no keepalive)")

        print("--- scopegate directly (nginx mode, health, metrics)")
        status, h, body = request(sg_port, "GET", "/customers/v1/customers/7", reader)
        print(f"    GET /customers/v1/customers/7 without X-Original-URI -> {status} {body.strip()}")
        check(status == 400 and json.loads(body)["code"] == "no-original-request", f"no fallback: {status} {body}")
        status, h, body = request(sg_port, "GET", "/_", [*reader.items(), ("X-Original-Method", "GET"),
                                                         ("X-Original-URI", "/customers/v1/customers/7"),
                                                         ("X-Original-URI", "/store-admin/v1/stores")])
        print(f"    X-Original-URI twice -> {status} {body.strip()}")
        check(status == 400 and json.loads(body)["code"] == "duplicate-header", f"duplicate: {status} {body}")
        status, h, body = request(sg_port, "GET", "/_", {**reader, "X-Original-URI": "/customers/v1/%2e%2e/x", "X-Original-Method": "GET"})
        print(f"    X-Original-URI: /customers/v1/%2e%2e/x -> {status} {body.strip()}")
        check(status == 400 and json.loads(body)["code"] == "invalid-path", f"invalid path: {status} {body}")
        status, h, body = request(sg_port, "GET", "/_", {**reader, "X-Original-URI": "/customers/v1/customers", "X-Original-Method": "POST"})
        check(status == 403 and json.loads(body)["code"] == "missing-scopes" and json.loads(body)["required"] == [["customer.write"]],
              f"403 body: {body}")
        print(f"    POST /customers/v1/customers [reader] -> {status} {body.strip()}")
        check(request(admin_port, "GET", "/readyz")[0] == 200, "readyz")
        metrics = request(admin_port, "GET", "/metrics")[2]
        # On the decision port, /healthz is a request like any other, never answered 200.
        status = request(sg_port, "GET", "/healthz")[0]
        print(f"    GET /healthz on the decision port -> {status}")
        check(status == 400, f"/healthz on the decision port answered {status}")
        check('scopegate_decisions_total{result="allow",reason="allow"}' in metrics, "metrics: decisions")
        check("scopegate_decision_duration_seconds_bucket" in metrics, "metrics: latency histogram")
        print("    /metrics: " + ", ".join(l for l in metrics.splitlines() if l.startswith("scopegate_decisions_total"))[:400])

        # No table: 503, fail closed.
        lonely_port, lonely_admin = free_port(), free_port()
        lonely = subprocess.Popen([scopegate, "serve", "--gateway", "envoy-http", "--table", "missing.json",
                                   "--listen", f"127.0.0.1:{lonely_port}",
                                   "--admin-listen", f"127.0.0.1:{lonely_admin}", "--decision-log", "off"],
                                  cwd=work, stderr=subprocess.DEVNULL)
        procs.append(lonely)
        wait_for(lonely_admin)
        ready = request(lonely_admin, "GET", "/readyz")[0]
        status, _, body = request(lonely_port, "GET", "/customers/v1/customers", reader)
        health = request(lonely_port, "GET", "/healthz")[0]
        print(f"    without a table (envoy-http mode): /readyz -> {ready}, GET /customers/v1/customers -> {status} "
              f"{body.strip()}; GET /healthz on the decision port -> {health}")
        check(ready == 503 and status == 503 and health == 503, "503 without a table")
        lonely.terminate()
        lonely.wait(10)

        # Reload while requests flow.
        print("--- reload while requests flow")
        stop, results, flows = flowing(nginx_port, "GET", "/loyalty/v1/members/7/points", reader)
        table = open(os.path.join(work, "table.json")).read()
        groups = open(os.path.join(work, "groups.yaml")).read()
        for i in range(20):
            time.sleep(0.1)
            if i == 5:
                with open(os.path.join(work, "table.json"), "w") as f:
                    f.write('{"format": "scopegate-permissions", "format_ver')  # broken
                sg.send_signal(signal.SIGHUP)
                time.sleep(0.3)
            with open(os.path.join(work, "table.json"), "w") as f:
                f.write(table)
            with open(os.path.join(work, "groups.yaml"), "w") as f:
                f.write(groups.replace("Hamburg Hbf", f"Hamburg Hbf {i}"))
            if i % 3 == 0:
                sg.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        stop.set()
        for t in flows:
            t.join()
        sg_log.flush()
        events = [json.loads(l) for l in open(os.path.join(work, "scopegate.err")) if l.startswith("{")]
        loaded = sum(1 for e in events if e.get("event") == "loaded")
        failed = [e for e in events if e.get("event") == "load-failed"]
        print(f"    {results['ok']} requests answered 200, {len(results['other'])} otherwise; "
              f"{loaded} loads, {len(failed)} refused: {failed[0]['error'][:90] if failed else '-'}")
        check(results["ok"] > 100 and not results["other"], f"requests lost during reload: {results['other'][:5]}")
        check(loaded > 5 and failed, "reloads and the refused broken table")

        # A till added to the credentials file while the server runs can log in after the reload;
        # bm-till-2 is a till of berlin-mitte (POS) in the groups file.
        second = {"Authorization": basic("bm-till-2", "second-till-pw")}
        status_before = request(nginx_port, "POST", "/sales/v1/transactions", second)[0]
        subprocess.run([scopegate, "credentials", "add", "--file", "tills.txt", "bm-till-2"], cwd=work, check=True,
                       input="second-till-pw\n", text=True, capture_output=True)
        end = time.time() + 5
        status_after = None
        while time.time() < end:
            status_after = request(nginx_port, "POST", "/sales/v1/transactions", second)[0]
            if status_after == 200:
                break
            time.sleep(0.1)
        print(f"    credentials reload: bm-till-2 before it was added -> {status_before}, after -> {status_after}")
        check(status_before == 401 and status_after == 200, "credentials reload")

        # Key rotation while requests flow: the HS256 secret rewritten in place (same length, so
        # only its content tells), with tills' requests flowing. No signal is sent.
        print("--- key rotation while requests flow")
        new_secret = b"a-rotated-hs256-secret-for-the-e2e-test-012"
        assert len(new_secret) == len(SECRET)
        old_key = {"Authorization": "Bearer " + token("customer.read")}
        new_key = {"Authorization": "Bearer " + token("customer.read", secret=new_secret)}
        get = lambda h: request(nginx_port, "GET", "/customers/v1/customers", h)[0]  # noqa: E731
        before = (get(old_key), get(new_key))
        stop, results, flows = flowing(nginx_port, "POST", "/sales/v1/transactions", till)
        time.sleep(0.3)
        with open(os.path.join(work, "secret"), "wb") as f:
            f.write(new_secret)
        rotated_at = time.time()
        refused_after = None
        while time.time() < rotated_at + 10:
            if get(old_key) == 401:
                refused_after = time.time() - rotated_at
                break
            time.sleep(0.01)
        after = (get(old_key), get(new_key))
        time.sleep(0.3)
        stop.set()
        for t in flows:
            t.join()
        print(f"    before: old key -> {before[0]}, new key -> {before[1]}; after: old -> {after[0]}, new -> {after[1]}; "
              f"old key refused {refused_after if refused_after is None else round(refused_after, 3)} s after the "
              f"rewrite (poll 0.2 s); till requests meanwhile: {results['ok']} answered 200, {len(results['other'])} otherwise")
        check(before == (200, 401) and after == (401, 200), f"key rotation: {before} -> {after}")
        check(refused_after is not None and refused_after < 2, f"old key refused after {refused_after} s")
        check(results["ok"] > 20 and not results["other"], f"requests lost during rotation: {results['other'][:5]}")

        # The decision log names principals, never credentials.
        log = open(os.path.join(work, "decisions.jsonl")).read()
        lines = [json.loads(l) for l in log.splitlines()]
        check(lines and all("decision_id" in l and "code" in l for l in lines), "decision log lines")
        for secret in [TILL_PASSWORD, reader["Authorization"].split()[1], new_key["Authorization"].split()[1],
                       "not-the-password", "second-till-pw", "page=2"]:
            check(secret not in log, f"the decision log holds a secret or a query: {secret[:12]}...")
        print(f"    decision log: {len(lines)} lines, e.g. {json.dumps(lines[1])}")

        # Graceful stop.
        sg.send_signal(signal.SIGTERM)
        code = sg.wait(15)
        print(f"--- SIGTERM: scopegate serve exited with {code}")
        check(code == 0, f"exit code after SIGTERM: {code}")
        before = len(Upstream.seen)
        status, _, _ = request(nginx_port, "GET", "/loyalty/v1/members/7/points", reader)
        print(f"    with scopegate down, through nginx: GET /loyalty/v1/members/7/points -> {status}")
        check(status == 503 and len(Upstream.seen) == before, f"fail closed without scopegate: {status}")
        stop_nginx(ng)
    finally:
        for p in procs:
            if p.poll() is None:
                if p.args[0] == nginx:
                    stop_nginx(p)
                else:
                    p.kill()
                    p.wait()
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{len(failures)} failure(s)", file=sys.stderr)
        return 1
    print("nginx end to end: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
