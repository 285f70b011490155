#!/usr/bin/env bash
# The parse benchmark of issue 2: `prpt parse -J` over a generated
# 1,000,000-record kernel log (90% chatter, 10% storage lines) side by side
# with a bare `grep -c -F -f <storage prefixes>`, and peak memory at 1M and
# 4M records. Arguments go to the Go program (tests/bench/parse), e.g.
# `tests/bench/parse.sh -format syslog -runs 5`.
set -euo pipefail
cd "$(dirname "$0")/../.."
go build -o bin/prpt ./cmd/prpt
exec go run ./tests/bench/parse "$@"
