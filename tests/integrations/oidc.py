#!/usr/bin/env python3
"""End to end: `scopegate serve` with a real OpenID provider (node `oidc-provider`, installed
by .ci/run into its cached tool environment). Prints a transcript.

Usage: tests/integrations/oidc.py SCOPEGATE_BINARY OIDC_DIR
  (OIDC_DIR holds node_modules with oidc-provider; tests/integrations/oidc/provider.mjs is run
  from there)

- discovery: serve finds the JWKS through /.well-known/openid-configuration and verifies the
  provider's client_credentials JWT access tokens (200 / 403 by scope);
- OAuth API clients registered in the groups file with `scopegate groups client add`: a token's
  client_id gets its group's grant, replacing the token's scopes or intersected with them;
- key rotation at the provider (restarted with a new key, the old one gone), serve not
  restarted: the first token signed with the new key is accepted (the seconds from the
  provider's restart to that 200 are printed), and a token signed with the old key is refused;
- opaque tokens introspected (RFC 7662) at the discovered endpoint with serve's own client
  credentials: an active one allowed by its client's group, one the provider never issued a
  401, answers remembered (one call per token);
- the provider down: the key set in force stays, a token not seen before still verifies, a
  remembered opaque token still passes, an opaque token not seen before is a 503 (never an
  allow), and the failed fetches are counted in /metrics;
- an issuer that does not match the discovered one is refused: serve never becomes ready.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import base64

from harness import b64url, check, failures, free_port, prepare_retail, request, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))


class Provider:
    def __init__(self, oidc_dir, port, work):
        self.dir, self.port, self.work = oidc_dir, port, work
        self.proc = None
        shutil.copy(os.path.join(HERE, "oidc", "provider.mjs"), os.path.join(oidc_dir, "provider.mjs"))

    def start(self, kid):
        env = {**os.environ, "PORT": str(self.port), "KID": kid}
        log = open(os.path.join(self.work, f"provider-{kid}.log"), "w")
        self.proc = subprocess.Popen(["node", "provider.mjs"], cwd=self.dir, env=env, stdout=log,
                                     stderr=subprocess.STDOUT)
        end = time.time() + 30
        while time.time() < end:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/jwks", timeout=2) as r:
                    if kid in r.read().decode():
                        return time.time()
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"the provider did not start: {open(log.name).read()}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)

    def token(self, client, scope):
        data = urllib.parse.urlencode({"grant_type": "client_credentials", "scope": scope}).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/token", data=data)
        secret = f"{client}-secret-0123456789abcdef"
        req.add_header("Authorization", "Basic " + base64.b64encode(f"{client}:{secret}".encode()).decode())
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())["access_token"]


def kid_of(token):
    head = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))["kid"]


def metric(admin, name):
    text = request(admin, "GET", "/metrics")[2]
    return sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines() if l.startswith(name))


def main():
    scopegate, oidc_dir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    work = tempfile.mkdtemp(prefix="scopegate-oidc-")
    procs = []
    provider = None
    try:
        prepare_retail(scopegate, work)
        provider = Provider(oidc_dir, free_port(), work)
        provider.start("key-1")
        issuer = f"http://127.0.0.1:{provider.port}"
        sg_port, admin = free_port(), free_port()
        with open(os.path.join(work, "introspection-secret"), "w") as f:
            f.write("scopegate-secret-0123456789abcdef\n")
        sg_err = open(os.path.join(work, "scopegate.err"), "w")
        sg = subprocess.Popen([
            scopegate, "serve", "--gateway", "envoy-http", "--table", "table.json", "--groups", "groups.yaml",
            "--oidc-issuer", issuer, "--jwt-audience", "retail-api", "--jwt-typ", "at+jwt",
            "--jwks-refetch-interval", "5",
            "--introspection-client-id", "scopegate", "--introspection-client-secret-file", "introspection-secret", "--listen", f"127.0.0.1:{sg_port}",
            "--admin-listen", f"127.0.0.1:{admin}", "--decision-log", "off",
        ], cwd=work, stderr=sg_err)
        procs.append(sg)
        wait_for(admin)
        end = time.time() + 20
        while time.time() < end and request(admin, "GET", "/readyz")[0] != 200:
            time.sleep(0.05)
        print(f"--- oidc-provider at {issuer}; scopegate serve --oidc-issuer {issuer} on :{sg_port}")
        check(request(admin, "GET", "/readyz")[0] == 200, "serve did not become ready with the provider's keys")

        def get(token, method="GET", path="/customers/v1/customers"):
            status, h, body = request(sg_port, method, path, {"Authorization": f"Bearer {token}"})
            return status, h, body

        reader = provider.token("pos-integration", "customer.read")
        print(f"    pos-integration's token: kid {kid_of(reader)}, scope customer.read")
        for method, want in (("GET", 200), ("POST", 403)):
            status, _, body = get(reader, method)
            print(f"    {method} /customers/v1/customers -> {status} {json.loads(body)['code']}")
            check(status == want, f"provider token {method}: {status}, wanted {want}: {body}")
        discovered = metric(admin, 'scopegate_provider_fetches_total{document="discovery",result="ok"}')
        fetched = metric(admin, 'scopegate_provider_fetches_total{document="jwks",result="ok"}')
        keys = metric(admin, "scopegate_provider_keys ")
        print(f"    /metrics: discovery fetches ok {discovered:.0f}, JWKS fetches ok {fetched:.0f}, keys {keys:.0f}")
        check(discovered == 1 and fetched == 1 and keys == 1, "provider metrics")

        print("--- OAuth API clients in access groups (registered with `scopegate groups client add`)")
        for args in (["pos-integration", "--group", "pos"],
                     ["shop-sync", "--group", "instore", "--token-scopes", "intersect"]):
            out = subprocess.run([scopegate, "groups", "--file", "groups.yaml", "client", "add", *args],
                                 cwd=work, capture_output=True, text=True)
            print(f"    scopegate groups client add {' '.join(args)} -> {out.returncode}")
            check(out.returncode == 0, f"groups client add {args}: {out.stderr}")
        writer = provider.token("shop-sync", "customer.read customer.write")
        cases = [
            # pos-integration's token says customer.read; its group pos (replace) decides.
            ("pos-integration (customer.read), group pos", reader, "POST", "/sales/v1/transactions", 200),
            ("pos-integration (customer.read), group pos", reader, "POST", "/store-admin/v1/stores", 403),
            # shop-sync's token says customer.read customer.write; instore reads only (intersect).
            ("shop-sync (customer.read customer.write), instore ∩ token", writer, "GET", "/customers/v1/customers", 200),
            ("shop-sync (customer.read customer.write), instore ∩ token", writer, "POST", "/customers/v1/customers", 403),
            ("shop-sync (customer.read customer.write), instore ∩ token", writer, "GET", "/loyalty/v1/members/7/points", 403),
        ]
        end = time.time() + 10
        while time.time() < end and get(reader, "POST", "/sales/v1/transactions")[0] != 200:
            time.sleep(0.1)  # the groups file is reloaded when its content changes
        for who, token, method, path, want in cases:
            status, _, body = get(token, method, path)
            print(f"    {method} {path} [{who}] -> {status} {json.loads(body)['code']}")
            check(status == want, f"{who} {method} {path}: {status}, wanted {want}")

        print("--- opaque tokens, introspected at the discovered endpoint")
        opaque = provider.token("bi-export", "customer.read")
        before = metric(admin, 'scopegate_provider_fetches_total{document="introspection",result="ok"}')
        cases = [
            # bi-export is in the groups file with group reporting (replace).
            ("bi-export's opaque token, group reporting", opaque, "GET", "/sales/v1/transactions", 200, "allow"),
            ("bi-export's opaque token, group reporting", opaque, "GET", "/customers/v1/customers", 403,
             "missing-scopes"),
            ("bi-export's opaque token again (remembered)", opaque, "GET", "/sales/v1/transactions", 200, "allow"),
            ("an opaque token the provider never issued", "n0t-a-real-token-Zm9vYmFy", "GET", "/sales/v1/transactions",
             401, "invalid-credentials"),
        ]
        for who, token, method, path, want, code in cases:
            status, h, body = get(token, method, path)
            print(f"    {method} {path} [{who}] -> {status} {json.loads(body)['code']} "
                  f"{h.get('www-authenticate', '') if status == 401 else ''}")
            check((status, json.loads(body)["code"]) == (want, code), f"{who}: {status} {body}")
        after = metric(admin, 'scopegate_provider_fetches_total{document="introspection",result="ok"}')
        print(f"    introspection calls: {after - before:.0f} for 4 requests with 2 distinct tokens")
        check(after - before == 2, f"introspection calls: {after - before}")

        print("--- key rotation at the provider (restarted with key-2; key-1 gone), serve running")
        provider.stop()
        rotated_at = provider.start("key-2")
        rotated = provider.token("pos-integration", "customer.read")
        accepted_after = None
        while time.time() < rotated_at + 30:
            if get(rotated)[0] == 200:
                accepted_after = time.time() - rotated_at
                break
            time.sleep(0.02)
        print(f"    first token signed with {kid_of(rotated)} accepted "
              f"{'never' if accepted_after is None else f'{accepted_after:.3f} s'} after the provider's restart")
        check(accepted_after is not None and accepted_after < 5, f"rotation: {accepted_after}")
        status, _, body = get(reader)
        print(f"    the earlier token signed with key-1 -> {status} {json.loads(body).get('message', '')}")
        check(status == 401, f"a token of the rotated-out key: {status}")

        print("--- the provider down")
        unseen = provider.token("shop-sync", "customer.read customer.write")
        unseen_opaque = provider.token("bi-export", "customer.read")
        errors_before = metric(admin, 'scopegate_provider_fetches_total{document="jwks",result="error"}')
        provider.stop()
        time.sleep(5.2)  # past --jwks-refetch-interval: the next unknown kid refetches
        forged_head = b64url(json.dumps({"alg": "RS256", "typ": "at+jwt", "kid": "key-9"}).encode())
        forged = forged_head + "." + reader.split(".", 1)[1]
        status, _, _ = get(forged)
        errors_after = metric(admin, 'scopegate_provider_fetches_total{document="jwks",result="error"}')
        print(f"    a token with an unknown kid -> {status}; failed JWKS fetches counted: "
              f"{errors_before:.0f} -> {errors_after:.0f}")
        check(status == 401 and errors_after > errors_before, f"provider down, unknown kid: {status}, {errors_after}")
        status, _, _ = get(unseen)
        print(f"    a shop-sync token never seen before (key-2), GET /customers/v1/customers -> {status}")
        check(status == 200, f"the key set in force with the provider down: {status}")
        status, _, body = get(opaque, "GET", "/sales/v1/transactions")
        print(f"    bi-export's remembered opaque token -> {status}")
        check(status == 200, f"a remembered introspection with the provider down: {status}")
        status, h, body = get(unseen_opaque, "GET", "/sales/v1/transactions")
        print(f"    an opaque token not seen before -> {status} {json.loads(body)['code']} "
              f"(Retry-After: {h.get('retry-after')})")
        check(status == 503 and json.loads(body)["code"] == "provider-unavailable",
              f"introspection with the provider down: {status} {body}")
        check(request(admin, "GET", "/readyz")[0] == 200, "ready with the provider down")

        print("--- an issuer that is not the discovered one")
        provider.start("key-3")
        wrong_port, wrong_admin = free_port(), free_port()
        wrong = subprocess.Popen([
            scopegate, "serve", "--gateway", "envoy-http", "--table", "table.json",
            "--oidc-issuer", f"http://localhost:{provider.port}", "--jwt-audience", "retail-api",
            "--listen", f"127.0.0.1:{wrong_port}", "--admin-listen", f"127.0.0.1:{wrong_admin}",
            "--decision-log", "off",
        ], cwd=work, stderr=subprocess.PIPE, text=True)
        procs.append(wrong)
        wait_for(wrong_admin)
        time.sleep(1.5)
        ready = request(wrong_admin, "GET", "/readyz")
        status, _, body = request(wrong_port, "GET", "/customers/v1/customers",
                                  {"Authorization": "Bearer " + provider.token("pos-integration", "customer.read")})
        wrong.terminate()
        _, err = wrong.communicate(timeout=10)
        said = next((l for l in err.splitlines() if "provider-fetch-failed" in l), "")
        print(f"    --oidc-issuer http://localhost:{provider.port}: /readyz -> {ready[0]}, a token -> {status} "
              f"{json.loads(body)['code']}; {json.loads(said)['error'] if said else 'nothing said'}")
        check(ready[0] == 503 and status == 503 and "issuer" in said, "an issuer mismatch was accepted")
    finally:
        if provider:
            provider.stop()
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{len(failures)} failure(s)", file=sys.stderr)
        return 1
    print("OpenID provider end to end: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
