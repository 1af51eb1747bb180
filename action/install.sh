#!/usr/bin/env bash
# Step 2 of the GitHub Action: puts scopegate on PATH.
# - Already in SCOPEGATE_ROOT (restored by actions/cache): nothing to do.
# - SCOPEGATE_RELEASE set (step 1): download that release's lint-only archive for this runner
#   and its .sha256, and check the archive against it (and against the `sha256` input when
#   given) before unpacking or running anything. A mismatch, or an archive without a checksum,
#   fails the step. Only a release that does not exist (or has no archive for this runner) falls
#   back to building the action's checkout, and only when the checkout is that version.
# - SCOPEGATE_RELEASE empty: build the action's checkout (lint-only, `cargo install --locked`).
set -euo pipefail

action_path="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}"
root="${SCOPEGATE_ROOT:?SCOPEGATE_ROOT is not set}"
release="${SCOPEGATE_RELEASE:-}"
pinned="$(printf '%s' "${INPUT_SHA256:-}" | tr 'A-F' 'a-f')"
exe=scopegate
ext=tar.gz
if [ "${RUNNER_OS:-}" = Windows ]; then
  exe=scopegate.exe
  ext=zip
fi
bin="$root/bin/$exe"

fail() {
  echo "::error title=scopegate::$1"
  exit 1
}

target() {
  case "${RUNNER_OS:-Linux}-${RUNNER_ARCH:-X64}" in
    Linux-X64) echo x86_64-unknown-linux-gnu ;;
    Linux-ARM64) echo aarch64-unknown-linux-gnu ;;
    macOS-X64) echo x86_64-apple-darwin ;;
    macOS-ARM64) echo aarch64-apple-darwin ;;
    Windows-X64) echo x86_64-pc-windows-msvc ;;
    *) return 1 ;;
  esac
}

sha256_of() {
  if command -v sha256sum >/dev/null; then sha256sum "$1"; else shasum -a 256 "$1"; fi | cut -d' ' -f1
}

# fetch URL FILE: 0 when fetched; 1 when the server says it does not exist (404); fails the
# step on anything else (a network error is not "no release").
fetch() {
  local status
  status="$(curl --silent --show-error --location --retry 3 --output "$2" --write-out '%{http_code}' "$1")" ||
    fail "could not download $1"
  case "$status" in
    200) return 0 ;;
    404) return 1 ;;
    *) fail "downloading $1 answered HTTP $status" ;;
  esac
}

# 0 when installed; 1 when there is no such release archive (the caller may build instead).
download() {
  local triple name base tmp expected named actual
  [ -n "${ACTION_REPOSITORY:-}" ] || fail "no repository to download scopegate $release from (github.action_repository is empty)"
  if ! triple="$(target)"; then
    echo "No prebuilt scopegate for ${RUNNER_OS:-}-${RUNNER_ARCH:-}"
    return 1
  fi
  name="scopegate-lint-v$release-$triple.$ext"
  base="${GITHUB_SERVER_URL:-https://github.com}/$ACTION_REPOSITORY/releases/download/v$release"
  tmp="$(mktemp -d)"
  echo "Downloading $base/$name"
  if ! fetch "$base/$name" "$tmp/$name"; then
    echo "No $name in release v$release of $ACTION_REPOSITORY"
    rm -rf "$tmp"
    return 1
  fi
  fetch "$base/$name.sha256" "$tmp/$name.sha256" ||
    fail "release v$release has $name but no $name.sha256; refusing an archive that cannot be checked"
  read -r expected named <"$tmp/$name.sha256" || true
  expected="$(printf '%s' "$expected" | tr 'A-F' 'a-f')"
  [[ "$expected" =~ ^[0-9a-f]{64}$ ]] && [ "${named#\*}" = "$name" ] ||
    fail "$name.sha256 is not a SHA-256 line for $name"
  actual="$(sha256_of "$tmp/$name")"
  [ "$actual" = "$expected" ] ||
    fail "$name does not match its checksum: SHA-256 $actual, the release says $expected; not installed"
  if [ -n "$pinned" ] && [ "$actual" != "$pinned" ]; then
    fail "$name does not match the sha256 input: SHA-256 $actual, expected $pinned; not installed"
  fi
  echo "SHA-256 $actual verified${pinned:+ (also against the sha256 input)}"
  mkdir -p "$tmp/unpacked"
  if [ "$ext" = zip ]; then
    unzip -q "$tmp/$name" -d "$tmp/unpacked"
  else
    tar -xzf "$tmp/$name" -C "$tmp/unpacked"
  fi
  [ -f "$tmp/unpacked/scopegate-lint-v$release-$triple/$exe" ] ||
    fail "$name has no scopegate-lint-v$release-$triple/$exe"
  mkdir -p "$root/bin"
  mv "$tmp/unpacked/scopegate-lint-v$release-$triple/$exe" "$bin"
  chmod +x "$bin"
  rm -rf "$tmp"
  "$bin" --version | grep -q "^scopegate $release " || {
    rm -f "$bin"
    fail "$name holds a scopegate that is not version $release: $("$bin" --version 2>&1 | head -n 1)"
  }
}

checkout_version() {
  sed -n 's/^version = "\(.*\)"$/\1/p' "$action_path/Cargo.toml" | head -n 1
}

build() {
  command -v cargo >/dev/null ||
    fail "cargo is not on PATH; install a Rust toolchain before this action, or use a released version"
  cargo install --locked --quiet --path "$action_path" --root "$root" --bin scopegate \
    --no-default-features --features cli
}

if [ -x "$bin" ]; then
  echo "scopegate restored from the cache"
elif [ -n "$release" ]; then
  if ! download; then
    have="$(checkout_version)"
    [ "$have" = "$release" ] ||
      fail "no prebuilt scopegate $release for this runner, and the action's checkout is $have; pin the action to the v$release tag, or leave the version input empty to build the checkout"
    [ -z "$pinned" ] || fail "no prebuilt scopegate $release for this runner to check against the sha256 input"
    echo "No prebuilt binary for $release; building the action's checkout"
    build
  fi
else
  build
fi

echo "$root/bin" >>"${GITHUB_PATH:?GITHUB_PATH is not set}"
"$bin" --version
