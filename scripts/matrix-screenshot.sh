#!/usr/bin/env bash
# Renders the access-group matrix of examples/retail as HTML and opens it in headless Chromium
# (Debian's `chromium`): a screenshot to look at, and the DOM as the browser built it, checked
# for every route row and both marks. The screenshot stays out of the repository.
#
#   bash scripts/matrix-screenshot.sh [OUT_DIR]     (default: a temporary directory)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-$(mktemp -d)}"
mkdir -p "$out"
chromium="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$chromium" ]; then
  echo "needs chromium (apt-get install chromium)" >&2
  exit 2
fi
cargo build --release --quiet
work="$(mktemp -d)"
cp examples/retail/* "$work/"
bin="$PWD/target/release/scopegate"
(cd "$work" && "$bin" compile loyalty.yaml customers.yaml sales.yaml store-admin.yaml -o table.json \
  && "$bin" groups matrix --table table.json --html "$out/matrix.html")
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars)
"$chromium" "${flags[@]}" --window-size=1400,1100 --screenshot="$out/matrix.png" \
  "file://$out/matrix.html" 2>/dev/null
"$chromium" "${flags[@]}" --dump-dom "file://$out/matrix.html" 2>/dev/null > "$out/dom.html"
rows="$(grep -o '<tr class="route">' "$out/dom.html" | wc -l)"
allowed="$(grep -o 'class="allow"' "$out/dom.html" | wc -l)"
denied="$(grep -o 'class="deny"' "$out/dom.html" | wc -l)"
echo "rendered $rows route rows ($allowed allowed and $denied denied cells): $out/matrix.png"
[ "$rows" -eq 17 ] && [ "$allowed" -gt 0 ] && [ "$denied" -gt 0 ]
rm -rf "$work"
