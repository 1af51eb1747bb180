"""What the gateway end-to-end tests share: tokens and passwords, an upstream that records what
reaches it, raw requests, the retail example prepared for `scopegate serve`, and the checks'
record of failures."""

import base64
import hashlib
import hmac
import http.client
import http.server
import json
import os
import shutil
import socket
import subprocess
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECRET = b"an-hs256-secret-for-the-e2e-test-0123456789"
TILL_PASSWORD = "counter-till-pw-1"


def cargo_version():
    """The version in this checkout's Cargo.toml."""
    with open(os.path.join(REPO, "Cargo.toml")) as f:
        return next(line.split('"')[1] for line in f if line.startswith("version = "))


def without_cargo(path):
    """`path` (a PATH) without the directories holding cargo: a machine with no Rust toolchain."""
    return os.pathsep.join(d for d in path.split(os.pathsep)
                           if d and not os.path.exists(os.path.join(d, "cargo")))


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


def jwt(claims, secret=SECRET):
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    signature = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{b64url(signature)}"


def token(scopes, secret=SECRET, **extra):
    claims = {"sub": "alice", "iss": "https://identity.example.com", "aud": "retail-api",
              "exp": int(time.time()) + 3600, "scope": scopes}
    claims.update(extra)
    return jwt(claims, secret)


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class Upstream(http.server.BaseHTTPRequestHandler):
    seen = []
    leaked = []
    lock = threading.Lock()

    def do(self):
        with Upstream.lock:
            Upstream.seen.append((self.command, self.path, self.headers.get("X-Scopegate-Principal"),
                                  self.headers.get("X-Scopegate-Route"), dict(self.headers.items())))
            for name in ("X-Scopegate-Client", "X-Verified-Claims", "X-Original-URI", "X-Scopegate-Decision-Id"):
                if self.headers.get(name) is not None:
                    Upstream.leaked.append((name, self.headers.get(name)))
        body = f"upstream saw {self.command} {self.path}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_DELETE = do_PUT = do

    def log_message(self, *args):
        pass


def request(port, method, path, headers=None):
    """A raw request: the path is sent exactly as given (no normalisation). `headers` is a dict
    or a list of pairs (to send a header twice)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        pairs = headers.items() if isinstance(headers, dict) else (headers or [])
        for k, v in pairs:
            conn.putheader(k, v)
        conn.putheader("Content-Length", "0")
        conn.endheaders()
        r = conn.getresponse()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read().decode(errors="replace")
    finally:
        conn.close()


def wait_for(port, path="/healthz", deadline=20):
    end = time.time() + deadline
    while time.time() < end:
        try:
            return request(port, "GET", path)
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answers on {port}")


failures = []


def flowing(port, method, path, headers, threads=2):
    """Threads sending one request over and over until `stop` is set; `results` counts the
    200s and keeps every other answer."""
    stop = threading.Event()
    results = {"ok": 0, "other": []}
    lock = threading.Lock()

    def flow():
        while not stop.is_set():
            try:
                status, _, _ = request(port, method, path, headers)
            except Exception as e:  # noqa: BLE001 - a lost request is what this counts
                status = repr(e)
            with lock:
                if status == 200:
                    results["ok"] += 1
                else:
                    results["other"].append(status)

    flows = [threading.Thread(target=flow) for _ in range(threads)]
    for t in flows:
        t.start()
    return stop, results, flows


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def connections_kept(gateway_port, admin_port, path, headers, n=20):
    """Sends `n` requests through the gateway, then reads how many connections to scopegate's
    decision listener are still open: a gateway that reuses its connections keeps at least one,
    one that opens a connection per check keeps none."""
    for _ in range(n):
        request(gateway_port, "GET", path, headers)
    time.sleep(0.3)
    gauge = [l for l in request(admin_port, "GET", "/metrics")[2].splitlines()
             if l.startswith("scopegate_connections_open ")]
    return int(float(gauge[0].split()[1])) if gauge else 0


def check(condition, message):
    if not condition:
        failures.append(message)
        print(f"    FAILED: {message}")


# Bypass attempts by a POS till, which may not touch store administration, sent raw through a
# gateway: none may reach the upstream.
BYPASSES = [
    "/sales/v1/transactions/../../store-admin/v1/stores",
    "/sales/v1/transactions/%2e%2e/%2e%2e/store-admin/v1/stores",
    "/sales/v1/%2e%2e%2fstore-admin/v1/stores",
    "/sales/v1/transactions%2F..%2F..%2Fstore-admin%2Fv1%2Fstores",
    "/sales/v1/transactions/..%5c..%5cstore-admin/v1/stores",
    "/sales/v1/transactions/%252e%252e/%252e%252e/store-admin/v1/stores",
    "/store-admin/v1/stores;/../../sales/v1/transactions",
    "/sales/v1/transactions/..;/..;/store-admin/v1/stores",
    "//store-admin/v1/stores",
    "/store-admin//v1/stores",
    "/store-admin/v1/stores/",
    "/STORE-ADMIN/v1/stores",
    "/store-admin/v1/stores%00",
    "/store-admin/v1/stores%20",
    "/sales/v1/transactions/%c0%ae%c0%ae/%c0%ae%c0%ae/store-admin/v1/stores",
    "/store-admin/v1/%EF%BC%8Fstores",
]


def prepare_retail(scopegate, work):
    """The retail example in `work`: its table compiled, till bm-till-1's password in
    tills.txt, the HS256 secret in `secret`."""
    for name in os.listdir(os.path.join(REPO, "examples/retail")):
        shutil.copy(os.path.join(REPO, "examples/retail", name), work)
    apis = ["loyalty.yaml", "customers.yaml", "sales.yaml", "store-admin.yaml"]
    subprocess.run([scopegate, "compile", *apis, "-o", "table.json"], cwd=work, check=True, capture_output=True)
    subprocess.run([scopegate, "credentials", "add", "--file", "tills.txt", "bm-till-1"], cwd=work, check=True,
                   input=TILL_PASSWORD + "\n", text=True, capture_output=True)
    with open(os.path.join(work, "secret"), "wb") as f:
        f.write(SECRET)


def start_upstream():
    """The upstream on a free port, in a daemon thread; returns the port."""
    port = free_port()
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", port), Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    return port
