#!/usr/bin/env bash
# Lints the real-world corpus with a release build and prints the findings per rule, the
# wall time and the peak memory.
#
#   scripts/corpus-findings.sh [CORPUS_PART...]    (default: the 2,639-file directory/)
#
# The corpus comes from ../shared/corpus/fetch.sh ($SCOPEGATE_CORPUS or ~/.cache/scopegate-corpus).
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${SCOPEGATE_CORPUS:-$HOME/.cache/scopegate-corpus}"
[ $# -gt 0 ] || set -- directory
paths=()
for part in "$@"; do paths+=("$corpus/$part"); done
cargo build --release --quiet
out="$(mktemp)"; timing="$(mktemp)"
trap 'rm -f "$out" "$timing"' EXIT
set +e
/usr/bin/time -v target/release/scopegate lint --format json "${paths[@]}" >"$out" 2>"$timing"
code=$?
set -e
[ "$code" -le 1 ] || { cat "$timing" >&2; exit "$code"; }
python3 - "$out" <<'PY'
import collections, json, sys
report = json.load(open(sys.argv[1]))
s = report["summary"]
print(f"{s['files']} files: {s['errors']} errors, {s['warnings']} warnings, {s['infos']} infos, {s['hints']} hints")
by_rule = collections.Counter(f["rule"] for f in report["findings"])
files_by_rule = collections.defaultdict(set)
for f in report["findings"]:
    files_by_rule[f["rule"]].add(f["file"])
print(f"{'rule':28} {'findings':>9} {'files':>6}")
for rule, n in by_rule.most_common():
    print(f"{rule:28} {n:9} {len(files_by_rule[rule]):6}")
PY
grep -E "Elapsed \(wall|Maximum resident" "$timing" | sed 's/^\s*/  /'
