#!/usr/bin/env bash
# Measures a newcomer's first hour: from a clean clone and empty Go caches to the first
# keyed request answered, as the README's quick start does it, in phases — module
# downloads, compiling (SQLite's C amalgamation among it), the server's start and the
# first quote recorded. The Go toolchain must be installed; the module proxy is reached.
#
#   scripts/first-request.sh [REPO]        # REPO defaults to this clone (its HEAD)
set -euo pipefail

repo=${1:-$(git rev-parse --show-toplevel)}
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
server=
export GOMODCACHE="$work/mod" GOCACHE="$work/cache" GOFLAGS=-buildvcs=false
now() { date +%s.%N; }
phase() { printf '%-40s %6.1f s\n' "$1" "$(echo "$3 - $2" | bc)"; }

t0=$(now)
git clone -q "$repo" "$work/verbatim"
cd "$work/verbatim"
t1=$(now)
# The modules the serve path needs, as go run fetches them.
go list -deps -tags sqlite_fts5 ./cmd/verbatim >/dev/null
t2=$(now)
go build -tags sqlite_fts5 -o "$work/verbatim-bin" ./cmd/verbatim
t3=$(now)
"$work/verbatim-bin" serve --db "$work/first.db" --addr 127.0.0.1:0 >"$work/out" 2>"$work/err" &
server=$!
until grep -q 'listening on' "$work/out" 2>/dev/null; do sleep 0.05; done
base=$(grep -o 'http://[0-9.:]*' "$work/out" | head -n 1)
key=$(grep '^vbt_' "$work/out")
curl -sf "$base/v1/quotes" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
	-d '{"text": "NATO isn’t on the table", "speaker_name": "Keith Kellogg"}' >/dev/null
t4=$(now)

phase "clone" "$t0" "$t1"
phase "module downloads (the serve path)" "$t1" "$t2"
phase "compile (go build, empty cache)" "$t2" "$t3"
phase "start, and the first quote recorded" "$t3" "$t4"
phase "clone to first keyed request" "$t0" "$t4"
echo "modules downloaded: $(find "$GOMODCACHE/cache/download" -name '*.zip' | wc -l) ($(du -sh "$GOMODCACHE/cache/download" | cut -f1))"
echo "packages compiled: $(go list -deps -tags sqlite_fts5 ./cmd/verbatim | wc -l)"
