#!/usr/bin/env bash
# Instructions and first-level data cache misses per decision on the table compiled from
# GitHub's scoped description, counted by cachegrind: (count at ROUNDS rounds - at 0 rounds) /
# (ROUNDS x routes); then per request through the tower layer (a 3-scope token), and the same
# requests answered without the layer. Deterministic, so it judges a change of a few percent
# that timing on a shared machine cannot; criterion (`cargo bench --bench evaluate`, `--bench
# tower`) gives the times.
#
#     bash scripts/decision-instructions.sh
#
# Needs valgrind (Debian's package) and ../shared/corpus/fetch.sh run once.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${SCOPEGATE_CORPUS:-$HOME/.cache/scopegate-corpus}"
rounds="${ROUNDS:-20}"
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet --bin scopegate
cargo build --release --quiet -p scopegate-runtime --example decide
cargo build --release --quiet -p scopegate-runtime --features tower --example layer
target/release/scopegate compile "$corpus/scoped/github.json" --output "$work/table.json" 2>/dev/null
routes="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["routes"]))' "$work/table.json")"
# "instructions D1-misses" of one run: cachegrind's simulated first-level data cache (the
# host's size) counts misses as deterministically as instructions. Criterion's times move with
# code layout between builds (the matchit floor, unchanged, measured 66 ns in one build and 75
# in the next), so a change of a few percent is judged on these two counts.
counts() {
  local example="$1"
  shift
  valgrind --tool=cachegrind --cache-sim=yes --cachegrind-out-file=/dev/null \
    "target/release/examples/$example" "$work/table.json" "$1" "$2" 2>&1 |
    sed -n -e 's/.*I *refs: *\([0-9,]*\).*/\1/p' -e 's/.*D1  misses: *\([0-9,]*\).*/\1/p' |
    tr -d ',' | tr '\n' ' '
}
per() {
  local example="$1" kind="$2"
  read -r base_i base_m <<<"$(counts "$example" "$kind" 0)"
  read -r all_i all_m <<<"$(counts "$example" "$kind" "$rounds")"
  local n=$((rounds * routes))
  echo "$(( (all_i - base_i) / n )) instructions, $(( (all_m - base_m) * 100 / n )) D1 misses per 100"
}
for kind in allowed denied unmatched; do
  echo "$kind: $(per decide "$kind") a decision ($routes routes, $rounds rounds)"
done
for kind in with without; do
  echo "request $kind the tower layer: $(per layer "$kind") (built, called, answered; a 3-scope token)"
done
