#!/usr/bin/env bash
# Runs the whole test suite: builds pbm (through ./pbm, as a user would), then every test project.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
command -v node >/dev/null || { echo "test.sh: node is needed (the tests manage real Node apps)" >&2; exit 1; }
./pbm --version
dotnet test Runtime.sln --nologo -v q "$@"
