"""Shared by the serve scripts: a working copy of examples/retail with a compiled table, a till's
password, an HS256 secret, and `scopegate serve` started on free ports (stopped on exit)."""

import base64
import hashlib
import hmac
import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET = b"an-hs256-secret-for-the-scripts-0123456789"
TILL_PASSWORD = "till-password-1"
LEGACY = os.environ.get("LEGACY") == "1"


_handed_out = set()


def free_port():
    """A port nothing listens on now, and never one handed out before in this run: the system
    may give a port closed a moment ago to the next bind to port 0, and a server and its admin
    listener given the same port would not start."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(scopes="customer.read"):
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps({"sub": "alice", "iss": "https://id.example.com", "aud": "retail-api",
                              "exp": int(time.time()) + 3600, "scope": scopes}).encode())
    signature = hmac.new(SECRET, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{b64url(signature)}"


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class Served:
    def __init__(self, scopegate, extra, preexec=None):
        self.work = tempfile.mkdtemp(prefix="scopegate-script-")
        for name in os.listdir(os.path.join(REPO, "examples/retail")):
            shutil.copy(os.path.join(REPO, "examples/retail", name), self.work)
        subprocess.run([scopegate, "compile", "loyalty.yaml", "customers.yaml", "sales.yaml", "store-admin.yaml",
                        "-o", "table.json"], cwd=self.work, check=True, capture_output=True)
        subprocess.run([scopegate, "credentials", "add", "--file", "tills.txt", "bm-till-1"], cwd=self.work,
                       check=True, input=TILL_PASSWORD + "\n", text=True, capture_output=True)
        with open(os.path.join(self.work, "secret"), "wb") as f:
            f.write(SECRET)
        self.port, self.admin = free_port(), free_port()
        self.stderr = open(os.path.join(self.work, "serve.err"), "w")
        # LEGACY=1: the flags the release before the hardening knew, to measure it the same way.
        modern = [] if LEGACY else ["--gateway", "nginx", "--jwt-audience", "retail-api"]
        self.proc = subprocess.Popen([
            scopegate, "serve", *modern, "--table", "table.json", "--groups", "groups.yaml",
            "--credentials", "tills.txt", "--jwt-hs256-secret", "secret", "--jwt-issuer", "https://id.example.com",
            "--decision-log", "off",
            "--listen", f"127.0.0.1:{self.port}", "--admin-listen", f"127.0.0.1:{self.admin}", *extra,
        ], cwd=self.work, stderr=self.stderr, stdout=subprocess.DEVNULL, preexec_fn=preexec)
        end = time.time() + 20
        while time.time() < end:
            try:
                if get(self.admin, "/readyz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("scopegate serve did not become ready")

    def metric(self, name):
        text = get(self.admin, "/metrics")[1]
        return sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines() if l.startswith(name))

    def events(self, kind):
        self.stderr.flush()
        with open(os.path.join(self.work, "serve.err")) as f:
            return [l for l in f if f'"event":"{kind}"' in l]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.work, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.stop()


def get(port, path, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read().decode()
    finally:
        conn.close()


def decide(conn, method, path, authorization):
    """One nginx-form decision on a kept-alive connection: (status, seconds)."""
    started = time.perf_counter()
    headers = {"X-Original-Method": method, "X-Original-URI": path}
    if authorization:
        headers["Authorization"] = authorization
    conn.request("GET", "/_auth", headers=headers)
    r = conn.getresponse()
    r.read()
    return r.status, time.perf_counter() - started


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]
