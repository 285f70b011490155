#!/usr/bin/env bash
# Runs every Go fuzz target in the module for a bounded time each
# (default 20s; `tests/fuzz.sh 5m` for a longer soak). Seed corpora live in
# each package's testdata/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${1:-20s}
found=0
while IFS=: read -r file fn; do
	pkg=./$(dirname "$file")
	echo "fuzz: $fn in $pkg for $t"
	go test -run '^$' -fuzz "^${fn}\$" -fuzztime "$t" "$pkg"
	found=$((found + 1))
done < <(git grep -o -E '^func Fuzz[A-Za-z0-9_]+' -- '*_test.go' | sed -E 's/:func /:/' || true)
echo "fuzz: ran $found targets"
