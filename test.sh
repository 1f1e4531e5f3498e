#!/usr/bin/env bash
# Runs the whole test suite: builds pbm (through ./pbm, as a user would), then every test project.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
command -v node >/dev/null || { echo "test.sh: node is needed (the tests manage real Node apps)" >&2; exit 1; }
./pbm --version
LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT
set +e
dotnet test Runtime.sln --nologo "$@" 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}
set -e
# One closing line in the plain form CI reads: "N passed, N failed".
passed=$(grep -oE 'Passed: +[0-9]+' "$LOG" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$LOG" | awk '{s+=$2} END {print s+0}')
echo "${passed:-0} passed, ${failed:-0} failed"
exit "$status"
