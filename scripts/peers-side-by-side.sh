#!/usr/bin/env bash
# scopegate beside Spectral and Redocly on the same files in one run: ../shared/peers'
# bench-peers.sh times the peers (GitHub's description, `gh`, and the first 200 corpus files,
# `c200`), then scopegate lints the same inputs, RUNS times each (default 3), timed with GNU
# time the same way (wall seconds, peak RSS). Prints one table.
#
#     bash scripts/peers-side-by-side.sh [path/to/scopegate]
#
# Needs ../shared/corpus/fetch.sh run once; bench-peers.sh installs the peers with npm.
set -euo pipefail
cd "$(dirname "$0")/.."
scopegate="$(realpath "${1:-target/release/scopegate}")"
runs="${RUNS:-3}"
shared="${SCOPEGATE_SHARED:-../shared}"
corpus="${SCOPEGATE_CORPUS:-$HOME/.cache/scopegate-corpus}"
[ -x /usr/bin/time ] || { echo "GNU time is not installed (apt-get install time)" >&2; exit 2; }

peers_log="$(mktemp)"
figures="$(mktemp)"
trap 'rm -f "$peers_log" "$figures"' EXIT
bash "$shared/peers/bench-peers.sh" -c gh,c200 -n "$runs" 2>&1 | tee "$peers_log"
results="$(sed -n 's/^# raw results: //p' "$peers_log")"

gh="$corpus/github/api.github.com.json"
mapfile -t c200 < <(find "$corpus/directory" -name '*.json' | LC_ALL=C sort | head -200)
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_scopegate() {
  local case="$1"
  shift
  local walls=() rss=()
  for _ in $(seq "$runs"); do
    local out
    # Findings make scopegate exit 1, as they make the peers; only the figures matter here.
    /usr/bin/time -o "$figures" -f '%e %M' "$scopegate" lint --format json --threads 2 "$@" \
      >/dev/null 2>&1 || true
    out="$(tail -1 "$figures")"
    walls+=("${out% *}")
    rss+=("${out#* }")
  done
  printf '%-12s %-10s %8s s %8s MB\n' "$case" scopegate "$(printf '%s\n' "${walls[@]}" | median)" \
    "$(( $(printf '%s\n' "${rss[@]}" | median) / 1024 ))"
}
echo
echo "median of $runs; the peers' rows are in $results"
time_scopegate gh "$gh"
time_scopegate c200 "${c200[@]}"
