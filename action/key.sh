#!/usr/bin/env bash
# Step 1 of the GitHub Action: which scopegate to install, where, and the cache key for it.
# Outputs:
# - `release`: the released version to download, or empty to build the action's checkout. It
#   is the `version` input; else, when the action is used at a version tag
#   (`uses: scopegate/scopegate@v0.2.0`, or the moving `@v0`), the checkout's own version;
#   else (a branch, a commit, `uses: ./`) empty: that code may not be any release.
# - `root` (install root, bin/scopegate below it) and `key` (the actions/cache key). A source
#   build is keyed on the checkout's Cargo.lock, Cargo.toml, build.rs and src/, so a new action
#   revision rebuilds and an unchanged one restores from the cache.
set -euo pipefail

action_path="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}"
release="${INPUT_VERSION:-}"
release="${release#v}"

sha256() {
  if command -v sha256sum >/dev/null; then sha256sum; else shasum -a 256; fi
}

if [ -z "$release" ] && [ -n "${ACTION_REPOSITORY:-}" ] &&
  [[ "${ACTION_REF:-}" =~ ^v[0-9]+(\.[0-9]+){0,2}$ ]]; then
  release="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$action_path/Cargo.toml" | head -n 1)"
fi
# The version becomes part of a URL and a path: a version, nothing else.
if [ -n "$release" ] && ! [[ "$release" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "::error title=scopegate::version '$release' is not a release version (like 0.2.0)"
  exit 1
fi

if [ -n "$release" ]; then
  flavour="release-$release"
else
  flavour="source-$(
    cd "$action_path" &&
      find Cargo.lock Cargo.toml build.rs src -type f | LC_ALL=C sort | while IFS= read -r f; do
        printf '%s\n' "$f"
        cat "$f"
      done | sha256 | cut -c1-16
  )"
fi
root="${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}}/scopegate/$flavour"
{
  echo "release=$release"
  echo "root=$root"
  echo "key=scopegate-${RUNNER_OS:-Linux}-${RUNNER_ARCH:-X64}-$flavour"
} >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
