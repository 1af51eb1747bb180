#!/usr/bin/env bash
# Load test of `scopegate serve` on loopback with wrk (Debian's package), bounded in time:
# DURATION seconds per case (default 10). Prints requests per second and p50/p99 latency for
# decisions with a trusted client header (a till through access groups), an HS256 JWT and an
# RS256 JWT, all allowed requests in the nginx auth_request form.
#
#     bash scripts/load-test.sh [path/to/scopegate]
#
# On a 2-core machine the server gets one worker thread and wrk one thread, a core each.
set -euo pipefail
cd "$(dirname "$0")/.."
scopegate="$(realpath "${1:-target/release/scopegate}")"
duration="${DURATION:-10}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }

work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
cp examples/retail/* "$work/"
cp tests/fixtures/jwt/rsa-private.pem tests/fixtures/jwt/rsa-public.pem "$work/"
cd "$work"
"$scopegate" compile loyalty.yaml customers.yaml sales.yaml store-admin.yaml -o table.json 2>/dev/null
printf '0123456789abcdef0123456789abcdef-load' >secret

python3 - >tokens <<'PY'
import base64, hashlib, hmac, json, subprocess, time
b = lambda x: base64.urlsafe_b64encode(x).rstrip(b"=").decode()
claims = b(json.dumps({"sub": "load", "iss": "https://id.example.com", "aud": "retail-api", "exp": int(time.time()) + 3600,
                       "scope": "loyalty.points.read loyalty.members.read"}).encode())
h = b(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
sig = hmac.new(b"0123456789abcdef0123456789abcdef-load", f"{h}.{claims}".encode(), hashlib.sha256).digest()
print(f"{h}.{claims}.{b(sig)}")
h = b(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", "rsa-private.pem"], input=f"{h}.{claims}".encode(), capture_output=True).stdout
print(f"{h}.{claims}.{b(sig)}")
PY
hs256="$(sed -n 1p tokens)"
rs256="$(sed -n 2p tokens)"

port=18181
"$scopegate" serve --gateway nginx --table table.json --groups groups.yaml --listen "127.0.0.1:$port" \
  --admin-listen 127.0.0.1:18182 --trusted-client-header X-Client-Id --jwt-hs256-secret secret \
  --jwt-public-key rsa-public.pem --jwt-issuer https://id.example.com --jwt-audience retail-api \
  --decision-log off --threads 1 2>server.log &
server=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:18182/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

run() {
  local name="$1"
  shift
  # Check the case is an allowed one before timing it.
  local status
  status="$(curl -s -o /dev/null -w '%{http_code}' "$@" "http://127.0.0.1:$port/_auth")"
  [ "$status" = 200 ] || { echo "$name: expected 200, got $status" >&2; exit 1; }
  local args=()
  while [ $# -gt 0 ]; do
    [ "$1" = -H ] && args+=(-H "$2")
    shift 2
  done
  local out
  out="$(wrk -t1 -c32 -d"${duration}s" --latency "${args[@]}" "http://127.0.0.1:$port/_auth")"
  local rps p50 p99
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
  p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  printf '%-34s %12s req/s   p50 %8s   p99 %8s\n' "$name" "$rps" "$p50" "$p99"
}

uri=(-H "X-Original-URI: /loyalty/v1/members/42/points?page=1" -H "X-Original-Method: GET")
echo "scopegate serve, 1 worker thread; wrk 1 thread, 32 connections, ${duration}s per case"
run "trusted client header (groups)" "${uri[@]}" -H "X-Client-Id: bm-till-1"
run "JWT HS256, verified" "${uri[@]}" -H "Authorization: Bearer $hs256"
run "JWT RS256, verified" "${uri[@]}" -H "Authorization: Bearer $rs256"
