#!/usr/bin/env bash
# Mixed load: reads by ID, searches from both query lists, creates, updates and verdicts,
# all at once against one server, each operation driven by a wrk of its own so that each
# reports its own throughput, p50, p99 and errors. Then GET-by-ID against a bare Echo
# handler serving the same bytes, for the ratio. Reports the server's peak memory.
#
#   scripts/load-mixed.sh DB QUERY_DIR [SECONDS]
#
# DB is copied first (the run writes); make it and the lists with scripts/gendata. Needs
# wrk, curl and jq.
set -euo pipefail
src=$1 queries=$2 seconds=${3:-600}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

go build -tags sqlite_fts5 -o "$work/verbatim" ./cmd/verbatim
go build -o "$work/echobaseline" ./scripts/echobaseline
cp "$src" "$work/load.db"
"$work/verbatim" keys create --name load --role admin --db "$work/load.db" | tail -1 >"$work/key"
key=$(cat "$work/key")

"$work/verbatim" serve --addr 127.0.0.1:0 --db "$work/load.db" --rate-read 0 --rate-write 0 --rate-export 0 \
	--rate-anonymous 0 >"$work/out" 2>"$work/server.log" &
server=$!
for _ in $(seq 400); do grep -q 'listening on' "$work/out" 2>/dev/null && break; sleep 0.05; done
base=$(grep -o 'http://[^ ]*' "$work/out" | head -1)

# IDs to read and write: the first 5,000 quotes by creation.
cursor=""; : >"$work/ids"
for _ in $(seq 50); do
	page=$(curl -sf -H "Authorization: Bearer $key" "$base/v1/quotes?limit=100&sort=created_at${cursor:+&cursor=$cursor}")
	jq -r '.data[].id' <<<"$page" >>"$work/ids"
	cursor=$(jq -r '.next_cursor // empty' <<<"$page")
	[ -n "$cursor" ] || break
done

common() { cat <<LUA
local ids = {}
for line in io.lines("$work/ids") do ids[#ids + 1] = line end
local qs = {}
for _, f in ipairs({"$queries/rare.txt", "$queries/corpus.txt"}) do
	for line in io.lines(f) do
		qs[#qs + 1] = line:gsub("([^%w%-%.%_%~])", function(c) return string.format("%%%02X", string.byte(c)) end)
	end
end
local i = math.random(1, 100000)
wrk.headers["Authorization"] = "Bearer $key"
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("RESULT %.1f %.3f %.3f %d\n", summary.requests / (summary.duration / 1e6),
		latency:percentile(50) / 1000, latency:percentile(99) / 1000, e.status + e.connect + e.read + e.write + e.timeout))
end
LUA
}
op() { # name, request function body
	{ common; printf 'request = function()\n\ti = i + 1\n\t%s\nend\n' "$2"; } >"$work/$1.lua"
}
op get 'return wrk.format("GET", "/v1/quotes/" .. ids[(i % #ids) + 1])'
op search 'return wrk.format("GET", "/v1/quotes?limit=20&q=" .. qs[(i % #qs) + 1])'
op create 'return wrk.format("POST", "/v1/quotes", nil, string.format([[{"text": "load test quote %d about nato", "speaker_name": "Load Speaker %d", "said_on": "2025-04-20", "tags": ["load"]}]], i, i % 100))'
op update 'return wrk.format("PATCH", "/v1/quotes/" .. ids[(i % #ids) + 1], nil, string.format([[{"context": "edited in load round %d"}]], i))'
op verdict 'return wrk.format("POST", "/v1/quotes/" .. ids[(i % #ids) + 1] .. "/verdicts", nil, [[{"attribution": "disputed", "summary": "load test verdict"}]])'

echo "mixed load for ${seconds}s on a copy of $src ($(wc -l <"$work/ids") quotes read and written)"
declare -A conns=([get]=4 [search]=2 [create]=1 [update]=1 [verdict]=1)
pids=()
for o in get search create update verdict; do
	wrk -t1 -c"${conns[$o]}" -d"${seconds}s" --timeout 10s -s "$work/$o.lua" "$base" >"$work/$o.res" 2>&1 &
	pids+=($!)
done
peak=0
cpu() { awk '/^cpu / {print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat; }
read -r busy0 total0 < <(cpu)
stime0=$(awk '{print $14+$15}' /proc/$server/stat)
end=$((SECONDS + seconds + 2))
while [ $SECONDS -lt $end ]; do
	rss=$(awk '/VmRSS/ {print $2}' /proc/$server/status 2>/dev/null || echo 0)
	[ "$rss" -gt "$peak" ] && peak=$rss
	sleep 1
done
wait "${pids[@]}" 2>/dev/null || true
read -r busy1 total1 < <(cpu)
stime1=$(awk '{print $14+$15}' /proc/$server/stat)
ticks=$(getconf CLK_TCK)
printf '%-8s %10s %9s %9s %7s\n' op req/s p50_ms p99_ms errors
for o in get search create update verdict; do
	awk -v o="$o" '/^RESULT/ {printf "%-8s %10s %9s %9s %7s\n", o, $2, $3, $4, $5}' "$work/$o.res"
done
busy=$(grep -c 'database is busy' "$work/server.log" || true)
fives=$(grep -c '"status":5' "$work/server.log" || true)
hwm=$(awk '/VmHWM/ {print $2}' /proc/$server/status)
echo "server: peak RSS $((hwm / 1024)) MB (sampled $((peak / 1024)) MB), 5xx answers $fives, SQLITE_BUSY $busy"
awk -v b=$((busy1 - busy0)) -v t=$((total1 - total0)) -v s=$((stime1 - stime0)) -v hz="$ticks" -v sec="$seconds" -v n="$(nproc)" \
	'BEGIN {printf "CPU: machine %.0f%% busy over %d cores; the server used %.2f cores, the load generators the rest\n", 100 * b / t, n, s / hz / sec}'
{ grep '"level":"ERROR"' "$work/server.log" | grep -v '"msg":"request"' | cut -c1-400 | head -3; } || true

# GET by ID against a bare Echo handler, alone, same connections, same machine.
kill $server; wait $server 2>/dev/null || true
"$work/verbatim" serve --addr 127.0.0.1:0 --db "$work/load.db" --rate-read 0 >"$work/out2" 2>/dev/null &
for _ in $(seq 400); do grep -q 'listening on' "$work/out2" 2>/dev/null && break; sleep 0.05; done
base2=$(grep -o 'http://[^ ]*' "$work/out2" | head -1)
curl -sf -H "Authorization: Bearer $key" "$base2/v1/quotes/$(head -1 "$work/ids")" >"$work/body.json"
"$work/echobaseline" --body "$work/body.json" >"$work/echo.out" 2>&1 &
for _ in $(seq 400); do grep -q 'listening on' "$work/echo.out" 2>/dev/null && break; sleep 0.05; done
echoBase=$(grep -o 'http://[^ ]*' "$work/echo.out" | head -1)
v=$(wrk -t2 -c16 -d10s -s "$work/get.lua" "$base2" | awk '/^RESULT/ {print $2}')
e=$(wrk -t2 -c16 -d10s -s "$work/get.lua" "$echoBase" | awk '/^RESULT/ {print $2}')
echo "GET by ID alone: verbatim $v req/s, bare Echo $e req/s, ratio $(awk -v a="$v" -v b="$e" 'BEGIN {printf "%.2f", a / b}')"
