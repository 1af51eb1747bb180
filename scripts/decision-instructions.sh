#!/usr/bin/env bash
# Instructions per decision on the table compiled from GitHub's scoped description, counted by
# cachegrind: (instructions at ROUNDS rounds - at 0 rounds) / (ROUNDS x routes); then per
# request through the tower layer (a 3-scope token), and the same requests answered without the
# layer. Deterministic, so it judges a change of a few percent that timing on a shared machine
# cannot; criterion (`cargo bench --bench evaluate`, `--bench tower`) gives the times.
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
instructions() {
  local example="$1"
  shift
  valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
    "target/release/examples/$example" "$work/table.json" "$1" "$2" 2>&1 |
    sed -n 's/.*I *refs: *//p' | tr -d ','
}
for kind in allowed denied unmatched; do
  base="$(instructions decide "$kind" 0)"
  all="$(instructions decide "$kind" "$rounds")"
  echo "$kind: $(( (all - base) / (rounds * routes) )) instructions a decision ($routes routes, $rounds rounds)"
done
for kind in with without; do
  base="$(instructions layer "$kind" 0)"
  all="$(instructions layer "$kind" "$rounds")"
  echo "request $kind the tower layer: $(( (all - base) / (rounds * routes) )) instructions (built, called, answered; a 3-scope token)"
done
