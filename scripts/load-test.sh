#!/usr/bin/env bash
# Load test of `scopegate serve` on loopback with wrk (Debian's package), bounded in time:
# DURATION seconds per case (default 10). Prints requests per second and p50/p99 latency for
# decisions with a trusted client header (a till through access groups), an HS256 JWT and an
# RS256 JWT, all allowed requests in the nginx auth_request form.
#
#     bash scripts/load-test.sh [path/to/scopegate]
#
# On a 2-core machine the server gets one worker thread and wrk one thread, a core each.
# The same three cases in the gRPC mode (--gateway envoy-grpc) follow, sent by h2load
# (Debian's nghttp2-client) with 32 connections; the check messages are built with Envoy's
# protos by $GRPC_PYTHON (default: the python of .ci/run's gateway tools, which has xds-protos).
set -euo pipefail
cd "$(dirname "$0")/.."
scopegate="$(realpath "${1:-target/release/scopegate}")"
duration="${DURATION:-10}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }

tokens_py="$(realpath scripts/load-tokens.py)"
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
cp examples/retail/* "$work/"
cp tests/fixtures/jwt/rsa-private.pem tests/fixtures/jwt/rsa-public.pem "$work/"
cd "$work"
"$scopegate" compile loyalty.yaml customers.yaml sales.yaml store-admin.yaml -o table.json 2>/dev/null
printf '0123456789abcdef0123456789abcdef-load' >secret

python3 "$tokens_py" secret rsa-private.pem >tokens
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

command -v h2load >/dev/null || { echo "h2load is not installed (apt-get install nghttp2-client): no gRPC figures" >&2; exit 0; }
python_grpc="${GRPC_PYTHON:-$HOME/.cache/scopegate-tools/gateways/bin/python}"
"$python_grpc" -c 'import grpc, envoy.service.auth.v3' 2>/dev/null \
  || { echo "$python_grpc has no grpcio and xds-protos: no gRPC figures" >&2; exit 0; }
grpc_port=18183
"$scopegate" serve --gateway envoy-grpc --table table.json --groups groups.yaml --listen "127.0.0.1:$grpc_port" \
  --admin-listen 127.0.0.1:18184 --trusted-client-header X-Client-Id --jwt-hs256-secret secret \
  --jwt-public-key rsa-public.pem --jwt-issuer https://id.example.com --jwt-audience retail-api \
  --decision-log off --threads 1 2>grpc-server.log &
grpc_server=$!
trap 'kill "$server" "$grpc_server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:18184/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

# Each case: a length-prefixed CheckRequest in a file, checked to be allowed first.
"$python_grpc" - "$grpc_port" "$hs256" "$rs256" <<'PY'
import struct, sys, grpc
from envoy.service.auth.v3 import attribute_context_pb2 as ac, external_auth_pb2 as ea, external_auth_pb2_grpc as eg
port, hs256, rs256 = sys.argv[1:4]
stub = eg.AuthorizationStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
for name, headers in [("client", {"x-client-id": "bm-till-1"}), ("hs256", {"authorization": f"Bearer {hs256}"}),
                      ("rs256", {"authorization": f"Bearer {rs256}"})]:
    request = ea.CheckRequest(attributes=ac.AttributeContext(request=ac.AttributeContext.Request(
        http=ac.AttributeContext.HttpRequest(method="GET", path="/loyalty/v1/members/42/points?page=1", headers=headers))))
    code = stub.Check(request, timeout=5).status.code
    if code != 0:
        sys.exit(f"{name}: expected OK, got {code}")
    body = request.SerializeToString()
    open(f"grpc-{name}.bin", "wb").write(struct.pack(">BI", 0, len(body)) + body)
PY

grpc_run() {
  local name="$1" file="$2"
  local out
  out="$(h2load -t1 -c32 -m1 -D "$duration" --warm-up-time=1 -d "$file" --log-file=h2load.log \
    -H 'content-type: application/grpc' -H 'te: trailers' \
    "http://127.0.0.1:$grpc_port/envoy.service.auth.v3.Authorization/Check")"
  local rps
  rps="$(awk '/^finished in/ {print $4}' <<<"$out")"
  read -r p50 p99 < <(awk '{print $3}' h2load.log | sort -n | awk '{a[NR]=$1} END {printf "%.2fms %.2fms\n", a[int(NR*0.5)]/1000, a[int(NR*0.99)]/1000}')
  printf '%-34s %12s req/s   p50 %8s   p99 %8s\n' "$name" "$rps" "$p50" "$p99"
}
echo "scopegate serve --gateway envoy-grpc, 1 worker thread; h2load 1 thread, 32 connections, ${duration}s per case"
grpc_run "gRPC: trusted client header" grpc-client.bin
grpc_run "gRPC: JWT HS256, verified" grpc-hs256.bin
grpc_run "gRPC: JWT RS256, verified" grpc-rs256.bin
