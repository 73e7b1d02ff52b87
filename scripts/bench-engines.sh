#!/usr/bin/env bash
# SQLite and PostgreSQL side by side, in one run on one machine, so that its noise falls
# on both: importing an archive into an empty database, GET by ID (and a bare Echo handler
# serving the same bytes), the two search lists at 2 clients, and two API nodes on one
# PostgreSQL database against one. Rounds alternate between the engines; the report gives
# every round and the medians.
#
#   scripts/bench-engines.sh NDJSON QUERY_DIR PG_ADMIN_URL [ROUNDS] [SECONDS]
#
# NDJSON and QUERY_DIR come from scripts/gendata (-ndjson FILE -queries DIR); PG_ADMIN_URL
# is a postgres:// URL of a role that may create databases (the script makes and drops
# its own). Needs wrk, curl and jq.
set -euo pipefail
file=$1 queries=$2 admin=$3 rounds=${4:-3} seconds=${5:-10}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
pgdb="verbatim_bench_$$"
pgurl=$(sed -E "s#(postgres(ql)?://[^/]*/)[^?]*#\1$pgdb#" <<<"$admin")
cleanup() {
	kill $(jobs -p) 2>/dev/null || true
	wait 2>/dev/null || true
	psql "$admin" -qc "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

go build -tags sqlite_fts5 -o "$work/verbatim" ./cmd/verbatim
go build -o "$work/echobaseline" ./scripts/echobaseline
n=$(wc -l <"$file")

echo "== import of $n records into an empty database, $rounds rounds"
: >"$work/imp.sqlite"; : >"$work/imp.postgres"
for r in $(seq "$rounds"); do
	rm -f "$work/bench.db"*
	s=$(date +%s.%N)
	"$work/verbatim" import "$file" --db "$work/bench.db" >/dev/null 2>&1
	sq=$(awk -v n="$n" -v s="$s" -v e="$(date +%s.%N)" 'BEGIN {printf "%.0f", n / (e - s)}')
	psql "$admin" -qc "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" -c "CREATE DATABASE $pgdb" >/dev/null
	s=$(date +%s.%N)
	"$work/verbatim" import "$file" --db "$pgurl" >/dev/null 2>&1
	pg=$(awk -v n="$n" -v s="$s" -v e="$(date +%s.%N)" 'BEGIN {printf "%.0f", n / (e - s)}')
	echo "$sq" >>"$work/imp.sqlite"; echo "$pg" >>"$work/imp.postgres"
	echo "round $r: SQLite $sq quotes/s, PostgreSQL $pg quotes/s"
done
echo "median: SQLite $(median <"$work/imp.sqlite") quotes/s, PostgreSQL $(median <"$work/imp.postgres") quotes/s"

wait_addr() { # file → base URL once the server prints it
	for _ in $(seq 600); do
		if grep -q 'listening on' "$1" 2>/dev/null; then grep -o 'http://[^ ]*' "$1" | head -1; return; fi
		sleep 0.05
	done
	echo "server did not start: $(cat "$1")" >&2; exit 1
}
serve() { # name db → base URL; the server's admin key in $work/name.key
	"$work/verbatim" keys create --name "bench-$1" --role admin --db "$2" | tail -1 >"$work/$1.key"
	"$work/verbatim" serve --addr 127.0.0.1:0 --db "$2" --rate-read 0 --rate-write 0 --max-searches 0 >"$work/$1.out" 2>/dev/null &
	wait_addr "$work/$1.out"
}
sqlite=$(serve sqlite "$work/bench.db")
postgres=$(serve postgres "$pgurl")
for e in sqlite postgres; do # 2,000 quote IDs of each archive, from its first pages
	base=${!e}; key=$(cat "$work/$e.key"); cursor=""; : >"$work/$e.ids"
	for _ in $(seq 20); do
		page=$(curl -sf -H "Authorization: Bearer $key" "$base/v1/quotes?limit=100&sort=created_at${cursor:+&cursor=$cursor}")
		jq -r '.data[].id' <<<"$page" >>"$work/$e.ids"
		cursor=$(jq -r '.next_cursor // empty' <<<"$page")
	done
	shuf "$work/$e.ids" -o "$work/$e.ids"
done
curl -sf -H "Authorization: Bearer $(cat "$work/sqlite.key")" "$sqlite/v1/quotes/$(head -1 "$work/sqlite.ids")" >"$work/body.json"
"$work/echobaseline" --body "$work/body.json" >"$work/echo.out" 2>&1 &
echo=$(wait_addr "$work/echo.out")

# wrk scripts: GET by ID cycling through an engine's IDs, a search list cycling through
# its queries; both count the answers that are not 2xx or 3xx.
ids_lua() {
	cat <<LUA
local ids = {}
for line in io.lines("$work/$1.ids") do ids[#ids + 1] = line end
local i = 0
wrk.headers["Authorization"] = "Bearer $(cat "$work/$1.key")"
request = function() i = i + 1; return wrk.format("GET", "/v1/quotes/" .. ids[(i % #ids) + 1]) end
done = function(s, l) io.write(string.format("RESULT %.1f %.3f %.3f %d\n", s.requests / (s.duration / 1e6),
	l:percentile(50) / 1000, l:percentile(99) / 1000, s.errors.status + s.errors.connect + s.errors.read + s.errors.timeout)) end
LUA
}
search_lua() {
	cat <<LUA
local qs = {}
for line in io.lines("$queries/$2.txt") do
	qs[#qs + 1] = line:gsub("([^%w%-%.%_%~])", function(c) return string.format("%%%02X", string.byte(c)) end)
end
local i = 0
wrk.headers["Authorization"] = "Bearer $(cat "$work/$1.key")"
request = function() i = i + 1; return wrk.format("GET", "/v1/quotes?limit=20&q=" .. qs[(i % #qs) + 1]) end
done = function(s, l) io.write(string.format("RESULT %.1f %.3f %.3f %d\n", s.requests / (s.duration / 1e6),
	l:percentile(50) / 1000, l:percentile(99) / 1000, s.errors.status + s.errors.connect + s.errors.read + s.errors.timeout)) end
LUA
}
for e in sqlite postgres; do
	ids_lua "$e" >"$work/$e.get.lua"
	search_lua "$e" rare >"$work/$e.rare.lua"
	search_lua "$e" corpus >"$work/$e.corpus.lua"
done
cp "$work/sqlite.get.lua" "$work/echo.get.lua"
wrkrun() { # clients script url → "q/s p50 p99 errors"
	wrk -t"$1" -c"$1" -d"${seconds}s" -s "$2" "$3" | awk '/^RESULT/ {print $2, $3, $4, $5}'
}
report() { # label file
	echo "$1: median $(cut -d' ' -f1 "$2" | median) req/s, p50 $(cut -d' ' -f2 "$2" | median) ms, p99 $(cut -d' ' -f3 "$2" | median) ms, errors $(awk '{e += $4} END {print e}' "$2")"
}

echo "== GET /v1/quotes/{id}, 16 connections, $rounds rounds of ${seconds}s (and a bare Echo handler with the same body)"
for e in sqlite postgres echo; do wrk -t2 -c16 -d3s -s "$work/$e.get.lua" "${!e}" >/dev/null; done # warm
for r in $(seq "$rounds"); do
	for e in sqlite postgres echo; do
		wrk -t2 -c16 -d"${seconds}s" -s "$work/$e.get.lua" "${!e}" | awk '/^RESULT/ {print $2, $3, $4, $5}' | tee -a "$work/get.$e" |
			sed "s/^/round $r $e: /"
	done
done
for e in sqlite postgres echo; do report "$e" "$work/get.$e"; done
echo "ratios to the bare handler: SQLite $(paste -d' ' "$work/get.sqlite" "$work/get.echo" | awk '{print $1 / $5}' | median)," \
	"PostgreSQL $(paste -d' ' "$work/get.postgres" "$work/get.echo" | awk '{print $1 / $5}' | median)"

for list in rare corpus; do
	echo "== search, the $list list ($(wc -l <"$queries/$list.txt") queries), 2 clients, $rounds rounds of ${seconds}s"
	for e in sqlite postgres; do wrk -t1 -c2 -d3s -s "$work/$e.$list.lua" "${!e}" >/dev/null; done
	for r in $(seq "$rounds"); do
		for e in sqlite postgres; do
			wrkrun 2 "$work/$e.$list.lua" "${!e}" | tee -a "$work/$list.$e" | sed "s/^/round $r $e: /"
		done
	done
	for e in sqlite postgres; do report "$e" "$work/$list.$e"; done
	echo "p99 PostgreSQL / SQLite: $(paste -d' ' "$work/$list.postgres" "$work/$list.sqlite" | awk '{print $3 / $7}' | median)"
done

echo "== two nodes on one PostgreSQL database against one: 16 connections to one node, or 8 to each of two"
second=$(serve postgres2 "$pgurl")
cp "$work/postgres.get.lua" "$work/postgres2.get.lua"
cp "$work/postgres.corpus.lua" "$work/postgres2.corpus.lua"
for what in get corpus; do
	: >"$work/nodes.$what"
	for r in $(seq "$rounds"); do
		one=$(wrk -t2 -c16 -d"${seconds}s" -s "$work/postgres.$what.lua" "$postgres" | awk '/^RESULT/ {print $2}')
		wrk -t1 -c8 -d"${seconds}s" -s "$work/postgres.$what.lua" "$postgres" | awk '/^RESULT/ {print $2}' >"$work/a" &
		pa=$!
		wrk -t1 -c8 -d"${seconds}s" -s "$work/postgres2.$what.lua" "$second" | awk '/^RESULT/ {print $2}' >"$work/b" &
		pb=$!
		wait "$pa" "$pb"
		two=$(cat "$work/a" "$work/b" | awk '{s += $1} END {print s}')
		echo "$one $two" | tee -a "$work/nodes.$what" | sed "s/^/round $r $what, one node, two nodes (req\/s): /"
	done
	echo "median $what: one node $(cut -d' ' -f1 "$work/nodes.$what" | median) req/s, two nodes $(cut -d' ' -f2 "$work/nodes.$what" | median) req/s"
done
echo "($(nproc) cores; $(psql "$admin" -Atc 'SELECT version()' | cut -d, -f1))"
