#!/usr/bin/env bash
# Step 3 of the GitHub Action: lint the given paths.
# Annotations go to the log as workflow commands, the counts to GITHUB_OUTPUT, the markdown
# summary to GITHUB_STEP_SUMMARY, and SARIF to INPUT_SARIF_FILE when set. The exit status is
# scopegate's: 1 when a finding is at or above INPUT_FAIL_SEVERITY, 2 on usage or I/O errors.
set -euo pipefail

args=(lint --format github --fail-severity "${INPUT_FAIL_SEVERITY:-error}")
args+=(--counts-file "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}")
[ -n "${GITHUB_STEP_SUMMARY:-}" ] && args+=(--summary-file "$GITHUB_STEP_SUMMARY")
[ -n "${INPUT_CONFIG:-}" ] && args+=(--config "$INPUT_CONFIG")
[ -n "${INPUT_BASELINE:-}" ] && args+=(--baseline "$INPUT_BASELINE")
if [ -n "${INPUT_SARIF_FILE:-}" ]; then
  mkdir -p "$(dirname "$INPUT_SARIF_FILE")"
  args+=(--sarif-file "$INPUT_SARIF_FILE")
fi

# Paths: one per line when the input has several lines (so a path may hold spaces), otherwise
# separated by whitespace. Never glob-expanded here: scopegate walks directories itself.
paths=()
if [[ "${INPUT_PATHS:-}" == *$'\n'* ]]; then
  while IFS= read -r line; do
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line%"${line##*[![:space:]]}"}"
    [ -n "$line" ] && paths+=("$line")
  done <<<"$INPUT_PATHS"
else
  read -r -a paths <<<"${INPUT_PATHS:-}"
fi
[ "${#paths[@]}" -gt 0 ] || paths=(.)

exec scopegate "${args[@]}" -- "${paths[@]}"
