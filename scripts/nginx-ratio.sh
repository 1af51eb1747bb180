#!/usr/bin/env bash
# scopegate serve behind nginx, as a ratio to nginx proxying the same upstream without
# auth_request, in one run (SPEC section 10). Three cases with wrk (1 thread, CONNECTIONS
# connections, default 32, DURATION seconds each, default 10), all allowed GET requests with an
# HS256 bearer token:
#
#   1. nginx -> upstream                    (the same proxy settings, no auth_request)
#   2. nginx -> scopegate (auth_request) -> upstream, with examples/nginx/scopegate.conf as
#      shipped (only its addresses changed)
#   3. scopegate serve alone                (wrk sends the auth subrequest's headers itself)
#
#     bash scripts/nginx-ratio.sh [path/to/scopegate]
#
# The upstream is a `return 200` server block of the same nginx; nginx runs one worker process
# and scopegate one worker thread, so on a 2-core machine nginx, scopegate and wrk share two
# cores in case 2 and nginx and wrk do in case 1: the ratio is what adding scopegate to a
# gateway costs on the same hardware. Needs nginx and wrk (Debian's packages).
set -euo pipefail
cd "$(dirname "$0")/.."
scopegate="$(realpath "${1:-target/release/scopegate}")"
duration="${DURATION:-10}"
connections="${CONNECTIONS:-32}"
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$nginx_bin" ] || { echo "nginx is not installed (apt-get install nginx-light)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }

tokens_py="$(realpath scripts/load-tokens.py)"
work="$(mktemp -d)"
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; rm -rf "$work"' EXIT
cp examples/retail/* "$work/"
conf="$(realpath examples/nginx/scopegate.conf)"
cd "$work"
"$scopegate" compile loyalty.yaml customers.yaml sales.yaml store-admin.yaml -o table.json 2>/dev/null
printf '0123456789abcdef0123456789abcdef-load' >secret
token="$(python3 "$tokens_py" secret)"

serve_port=18281 admin_port=18282 app_port=18280 plain_port=18283 gated_port=18284
"$scopegate" serve --gateway nginx --table table.json --groups groups.yaml --listen "127.0.0.1:$serve_port" \
  --admin-listen "127.0.0.1:$admin_port" --jwt-hs256-secret secret --jwt-issuer https://id.example.com \
  --jwt-audience retail-api --client-address-header X-Real-IP --decision-log off --threads 1 2>server.log &
server=$!

# The shipped configuration with its addresses changed, as tests/integrations/nginx.py does.
sed -e "s/127.0.0.1:8181/127.0.0.1:$serve_port/" -e "s/127.0.0.1:8080/127.0.0.1:$app_port/" \
  -e "s/listen 127.0.0.1:8000/listen 127.0.0.1:$gated_port/" "$conf" >gated.conf
grep -q "listen 127.0.0.1:$gated_port" gated.conf || { echo "the example's addresses moved; update this script" >&2; exit 1; }
cat >nginx.conf <<EOF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  # The upstream service: a fixed answer.
  server {
    listen 127.0.0.1:$app_port;
    location / { return 200 "ok\n"; }
  }
  # 1. The same proxying without auth_request.
  server {
    listen 127.0.0.1:$plain_port;
    location / {
      proxy_set_header Authorization "";
      proxy_pass http://127.0.0.1:$app_port;
    }
  }
  # 2. examples/nginx/scopegate.conf.
  include $work/gated.conf;
}
EOF
mkdir -p tmp
"$nginx_bin" -c "$work/nginx.conf" -p "$work" 2>nginx-start.log
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$admin_port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

path="/loyalty/v1/members/42/points?page=1"
auth=(-H "Authorization: Bearer $token")
check() {
  local url="$1" want="$2"
  shift 2
  local status
  status="$(curl -s -o /dev/null -w '%{http_code}' "$@" "$url")"
  [ "$status" = "$want" ] || { echo "$url: expected $want, got $status" >&2; exit 1; }
}
check "http://127.0.0.1:$plain_port$path" 200 "${auth[@]}"
check "http://127.0.0.1:$gated_port$path" 200 "${auth[@]}"
# The gate decides: no token is 401, a write with a read token is 403.
check "http://127.0.0.1:$gated_port$path" 401
check "http://127.0.0.1:$gated_port/loyalty/v1/members/42/points" 403 -X POST "${auth[@]}"

declare -A rps p50 p99
run() {
  local name="$1" url="$2"
  shift 2
  local out
  out="$(wrk -t1 -c"$connections" -d"${duration}s" --latency "$@" "$url")"
  if grep -q "Non-2xx" <<<"$out"; then
    echo "$name: wrk saw non-2xx answers" >&2
    exit 1
  fi
  rps[$name]="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  p50[$name]="$(awk '$1 == "50%" {print $2}' <<<"$out")"
  p99[$name]="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  printf '%-44s %12s req/s   p50 %8s   p99 %8s\n' "$name" "${rps[$name]}" "${p50[$name]}" "${p99[$name]}"
}
echo "nginx $("$nginx_bin" -v 2>&1 | sed 's/.*\///'), 1 worker; scopegate serve, 1 worker thread; wrk 1 thread, $connections connections, ${duration}s per case"
run "nginx -> upstream (no auth_request)" "http://127.0.0.1:$plain_port$path" "${auth[@]}"
run "nginx -> scopegate -> upstream" "http://127.0.0.1:$gated_port$path" "${auth[@]}"
run "scopegate serve alone" "http://127.0.0.1:$serve_port/_auth" "${auth[@]}" \
  -H "X-Original-URI: $path" -H "X-Original-Method: GET"
python3 - "${rps[nginx -> upstream (no auth_request)]}" "${rps[nginx -> scopegate -> upstream]}" \
  "${p50[nginx -> upstream (no auth_request)]}" "${p50[nginx -> scopegate -> upstream]}" \
  "${p99[nginx -> upstream (no auth_request)]}" "${p99[nginx -> scopegate -> upstream]}" <<'PY'
import sys
def ms(v):
    for unit, f in (("us", 1e-3), ("ms", 1.0), ("s", 1e3)):
        if v.endswith(unit):
            return float(v[: -len(unit)]) * f
    raise SystemExit(f"unreadable latency {v}")
plain, gated = float(sys.argv[1]), float(sys.argv[2])
print(f"with scopegate / without: throughput {gated / plain:.2f}x, "
      f"p50 {ms(sys.argv[4]) / ms(sys.argv[3]):.2f}x, p99 {ms(sys.argv[6]) / ms(sys.argv[5]):.2f}x")
PY
