#!/usr/bin/env bash
# Builds the release archives for one target, both builds, with the `dist` profile (stripped,
# LTO):
#   <out>/scopegate-v<version>-<target>.tar.gz       the full build (lint and serve)
#   <out>/scopegate-lint-v<version>-<target>.tar.gz  the lint-only build (the Action, pre-commit)
# (.zip for Windows targets), each with README.md, LICENSE and CHANGELOG.md in one top-level
# directory, and <archive>.sha256 beside it. Archives are reproducible (scripts/archive.py,
# dated from the last commit). .github/workflows/release.yml runs this on each runner; .ci/run
# runs it for the host and tests the archives.
#
# Usage: scripts/package.sh [--target TRIPLE] [--out DIR] [--only full|lint]
set -euo pipefail
cd "$(dirname "$0")/.."

target=""
out="dist"
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --target) target="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    *) echo "package.sh: unknown argument $1 (see the usage at the top of this script)" >&2; exit 2 ;;
  esac
done
case "$only" in ""|full|lint) ;; *) echo "package.sh: --only takes full or lint" >&2; exit 2 ;; esac

# The host's build goes where a plain `cargo build --profile dist` puts it (and maturin, and
# .ci/run's integration tests, find it); another target's under target/<target>/.
host="$(rustc -vV | sed -n 's/^host: //p')"
[ -n "$target" ] || target="$host"
target_args=()
built="${CARGO_TARGET_DIR:-target}/dist"
if [ "$target" != "$host" ]; then
  target_args=(--target "$target")
  built="${CARGO_TARGET_DIR:-target}/$target/dist"
fi
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
python="$(command -v python3 || command -v python)"
exe=scopegate
ext=tar.gz
case "$target" in
  *-windows-*)
    exe=scopegate.exe
    ext=zip
    # Windows runners have `python`; a `python3` there may be the Store's placeholder.
    python="$(command -v python || command -v python3)"
    ;;
esac
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH="$(git log -1 --format=%ct 2>/dev/null || echo 0)"
fi
export SOURCE_DATE_EPOCH
mkdir -p "$out"
staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT

# build NAME CARGO-FEATURE-ARGS...
build() {
  local name="$1" dir
  shift
  echo "package.sh: building $name for $target" >&2
  # (the ${a[@]+...} form: bash 3.2, macOS's, calls an empty array unbound under set -u)
  cargo build --locked --profile dist ${target_args[@]+"${target_args[@]}"} --bin scopegate "$@"
  dir="$staging/$name-v$version-$target"
  mkdir -p "$dir"
  cp "$built/$exe" "$dir/$exe"
  cp README.md LICENSE CHANGELOG.md "$dir/"
  "$python" scripts/archive.py "$dir" "$out/$name-v$version-$target.$ext"
}

[ "$only" = lint ] || build scopegate
[ "$only" = full ] || build scopegate-lint --no-default-features --features cli
