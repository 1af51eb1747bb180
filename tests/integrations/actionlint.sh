#!/usr/bin/env bash
# actionlint over this repository's workflows (lint, release) and over the README's example workflow, each using
# the action as `./` so that actionlint also checks action.yml's metadata and the inputs passed.
# Usage: tests/integrations/actionlint.sh ACTIONLINT SHELLCHECK
set -euo pipefail
cd "$(dirname "$0")/../.."
actionlint="$1"
shellcheck="$2"

"$actionlint" -shellcheck "$shellcheck" .github/workflows/scopegate.yml .github/workflows/release.yml

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/.github/workflows"
cp -r action.yml action "$tmp/"
git -C "$tmp" init -q   # actionlint resolves `./` from the project (git) root
# The first yaml block after the README's "## GitHub Action" heading.
awk '/^## GitHub Action/ {on=1} on && /^```yaml/ {grab=1; next} grab && /^```/ {exit} grab {print}' \
  README.md | sed 's#uses: scopegate/scopegate@v0#uses: ./#' >"$tmp/.github/workflows/readme.yml"
grep -q 'uses: ./' "$tmp/.github/workflows/readme.yml"
(cd "$tmp" && "$actionlint" -shellcheck "$shellcheck" .github/workflows/readme.yml)
echo "actionlint: the workflows and the README example are clean"
