#!/usr/bin/env bash
# Step 2 of the GitHub Action: puts scopegate on PATH.
# - Already in SCOPEGATE_ROOT (restored by actions/cache): nothing to do.
# - INPUT_VERSION set: download that release's prebuilt binary for this runner; if the release
#   has none, build the action's checkout, but only when it is that same version.
# - INPUT_VERSION empty: `cargo install --locked` from the action's checkout.
set -euo pipefail

action_path="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}"
root="${SCOPEGATE_ROOT:?SCOPEGATE_ROOT is not set}"
version="${INPUT_VERSION:-}"
version="${version#v}"
exe=scopegate
[ "${RUNNER_OS:-}" = Windows ] && exe=scopegate.exe
bin="$root/bin/$exe"

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

download() {
  local triple url tmp
  [ -n "${ACTION_REPOSITORY:-}" ] || return 1
  triple="$(target)" || return 1
  url="${GITHUB_SERVER_URL:-https://github.com}/$ACTION_REPOSITORY/releases/download/v$version/scopegate-v$version-$triple.tar.gz"
  tmp="$(mktemp -d)"
  echo "Downloading $url"
  if curl --fail --silent --show-error --location --retry 3 -o "$tmp/scopegate.tar.gz" "$url" &&
    tar -xzf "$tmp/scopegate.tar.gz" -C "$tmp" &&
    [ -f "$tmp/$exe" ]; then
    mkdir -p "$root/bin"
    mv "$tmp/$exe" "$bin"
    chmod +x "$bin"
    rm -rf "$tmp"
    return 0
  fi
  rm -rf "$tmp"
  return 1
}

checkout_version() {
  sed -n 's/^version = "\(.*\)"$/\1/p' "$action_path/Cargo.toml" | head -n 1
}

build() {
  if ! command -v cargo >/dev/null; then
    echo "::error title=scopegate::cargo is not on PATH; install a Rust toolchain before this action, or set the version input to a release with a prebuilt binary"
    exit 1
  fi
  cargo install --locked --quiet --path "$action_path" --root "$root" --bin scopegate
}

if [ -x "$bin" ]; then
  echo "scopegate restored from the cache"
elif [ -n "$version" ]; then
  if ! download; then
    have="$(checkout_version)"
    if [ "$have" != "$version" ]; then
      echo "::error title=scopegate::no prebuilt scopegate $version for this runner, and the action's checkout is $have; pin the action to the v$version tag, or leave the version input empty to build the checkout"
      exit 1
    fi
    echo "No prebuilt binary for $version; building the action's checkout"
    build
  fi
else
  build
fi

echo "$root/bin" >>"${GITHUB_PATH:?GITHUB_PATH is not set}"
"$bin" --version
