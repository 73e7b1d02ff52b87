#!/usr/bin/env bash
# Search load run: the two query lists (rare words; drawn like the corpus) against a
# running server with wrk at 2 concurrent clients, then the same lists in-process against
# the same database (scripts/searchbench), round by round so that machine noise falls on
# both. Reports throughput, p50 and p99 per list and the ratio in-process / HTTP.
#
#   scripts/load-search.sh DB QUERY_DIR [ROUNDS] [SECONDS] [CLIENTS]
#
# Make the database and the lists with scripts/gendata. Needs wrk.
set -euo pipefail
db=$1 queries=$2 rounds=${3:-3} seconds=${4:-10} clients=${5:-2}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

go build -tags sqlite_fts5 -o "$work/verbatim" ./cmd/verbatim
go build -tags sqlite_fts5 -o "$work/searchbench" ./scripts/searchbench

key=$("$work/verbatim" keys create --name load-search --role reader --db "$db" | tail -1)
"$work/verbatim" serve --addr 127.0.0.1:0 --db "$db" --rate-read 0 --max-searches 0 >"$work/out" 2>/dev/null &
for _ in $(seq 400); do grep -q 'listening on' "$work/out" 2>/dev/null && break; sleep 0.05; done
base=$(grep -o 'http://[^ ]*' "$work/out" | head -1)
[ -n "$base" ] || { echo "server did not start" >&2; exit 1; }

lua() { # query file → wrk script cycling through the queries, counting failed answers
	cat <<LUA
local qs = {}
for line in io.lines("$1") do
	qs[#qs + 1] = line:gsub("([^%w%-%.%_%~])", function(c) return string.format("%%%02X", string.byte(c)) end)
end
local i = 0
wrk.headers["Authorization"] = "Bearer $key"
request = function()
	i = i + 1
	return wrk.format("GET", "/v1/quotes?limit=20&q=" .. qs[(i % #qs) + 1])
end
-- wrk counts answers other than 2xx and 3xx in errors.status; a Lua response() hook
-- would count them too, but makes wrk parse every response in Lua and steal the cores.
done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("RESULT %.1f %.3f %.3f %d\n", summary.requests / (summary.duration / 1e6),
		latency:percentile(50) / 1000, latency:percentile(99) / 1000, e.status + e.connect + e.read + e.write + e.timeout))
end
LUA
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
for list in rare corpus; do
	lua "$queries/$list.txt" >"$work/$list.lua"
	: >"$work/$list.http"; : >"$work/$list.inproc"
	# One unmeasured pass warms SQLite's page cache for both.
	wrk -t1 -c"$clients" -d3s -s "$work/$list.lua" "$base" >/dev/null
	for r in $(seq "$rounds"); do
		wrk -t"$clients" -c"$clients" -d"${seconds}s" -s "$work/$list.lua" "$base" | awk '/^RESULT/ {print $2, $3, $4, $5}' >>"$work/$list.http"
		"$work/searchbench" -db "$db" -queries "$queries/$list.txt" -duration "${seconds}s" -c "$clients" | awk '/^RESULT/ {print $2, $3, $4, $5}' >>"$work/$list.inproc"
	done
	echo "== $list queries ($(wc -l <"$queries/$list.txt")), $clients clients, $rounds rounds of ${seconds}s"
	paste -d' ' "$work/$list.http" "$work/$list.inproc" | awk '{printf "round %d: HTTP %s q/s p50 %s ms p99 %s ms errors %s | in-process %s q/s p50 %s ms p99 %s ms | ratio %.2f\n", NR, $1, $2, $3, $4, $5, $6, $7, $5/$1}'
	echo "median: HTTP $(cut -d' ' -f1 "$work/$list.http" | median) q/s, p99 $(cut -d' ' -f3 "$work/$list.http" | median) ms;" \
		"in-process $(cut -d' ' -f1 "$work/$list.inproc" | median) q/s, p99 $(cut -d' ' -f3 "$work/$list.inproc" | median) ms;" \
		"ratio $(paste -d' ' "$work/$list.http" "$work/$list.inproc" | awk '{print $5/$1}' | median)"
done
