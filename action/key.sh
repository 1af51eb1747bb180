#!/usr/bin/env bash
# Step 1 of the GitHub Action: where scopegate is installed and the cache key for it.
# Outputs `root` (install root, bin/scopegate below it) and `key` (the actions/cache key).
# A source build is keyed on the checkout's Cargo.lock, Cargo.toml and src/, so a new action
# revision rebuilds and an unchanged one restores from the cache.
set -euo pipefail

action_path="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}"
version="${INPUT_VERSION:-}"
version="${version#v}"

sha256() {
  if command -v sha256sum >/dev/null; then sha256sum; else shasum -a 256; fi
}

if [ -n "$version" ]; then
  flavour="release-$version"
else
  flavour="source-$(
    cd "$action_path" &&
      find Cargo.lock Cargo.toml src -type f | LC_ALL=C sort | while IFS= read -r f; do
        printf '%s\n' "$f"
        cat "$f"
      done | sha256 | cut -c1-16
  )"
fi
root="${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}}/scopegate/$flavour"
{
  echo "root=$root"
  echo "key=scopegate-${RUNNER_OS:-Linux}-${RUNNER_ARCH:-X64}-$flavour"
} >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
