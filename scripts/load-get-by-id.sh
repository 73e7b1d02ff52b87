#!/usr/bin/env bash
# Load run: GET /v1/quotes/{id} on Verbatim against a bare Echo handler answering the same
# bytes, on this machine, with wrk. Rounds alternate between the two servers so that
# machine noise falls on both; the report gives each round and the medians.
#
#   scripts/load-get-by-id.sh [ROUNDS] [SECONDS] [CONNECTIONS] [QUOTES]
#
# Needs wrk (apt-get install wrk), curl and jq.
set -euo pipefail
rounds=${1:-5} seconds=${2:-10} conns=${3:-16} quotes=${4:-2000}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

go build -tags sqlite_fts5 -o "$work/verbatim" ./cmd/verbatim
go build -o "$work/echobaseline" ./scripts/echobaseline

wait_addr() { # file → base URL once the server prints it
	for _ in $(seq 200); do
		if grep -q 'listening on' "$1" 2>/dev/null; then grep -o 'http://[^ ]*' "$1" | head -1; return; fi
		sleep 0.05
	done
	echo "server did not start: $(cat "$1")" >&2; exit 1
}

"$work/verbatim" migrate --db "$work/load.db" >/dev/null
key=$("$work/verbatim" keys create --name load --role admin --db "$work/load.db" | tail -1)
auth="Authorization: Bearer $key"
"$work/verbatim" serve --addr 127.0.0.1:0 --db "$work/load.db" --rate-read 0 --rate-write 0 >"$work/verbatim.out" 2>/dev/null &
verbatim=$(wait_addr "$work/verbatim.out")

echo "seeding $quotes quotes…" >&2
seq "$quotes" | xargs -P 4 -I{} curl -sf -o /dev/null -H "$auth" -H 'Content-Type: application/json' \
	-d '{"text": "NATO isn’t on the table, said for the {}th time", "speaker_name": "Speaker {}", "speaker_role": "US Special Envoy to Ukraine", "said_on": "2025-04-20", "outlet_name": "Fox News", "context": "interview with Fox News", "setting": "interview", "lang": "en", "tags": ["nato", "ukraine"]}' \
	"$verbatim/v1/quotes"
cursor="" ; : >"$work/ids"
while :; do
	page=$(curl -sf -H "$auth" "$verbatim/v1/quotes?limit=100${cursor:+&cursor=$cursor}")
	jq -r '.data[].id' <<<"$page" >>"$work/ids"
	cursor=$(jq -r '.next_cursor // empty' <<<"$page")
	[ -n "$cursor" ] || break
done
curl -sf -H "$auth" "$verbatim/v1/quotes/$(head -1 "$work/ids")" >"$work/body.json"

"$work/echobaseline" --body "$work/body.json" >"$work/echo.out" 2>&1 &
baseline=$(wait_addr "$work/echo.out")

cat >"$work/ids.lua" <<LUA
local ids = {}
for line in io.lines("$work/ids") do ids[#ids + 1] = line end
local i = 0
wrk.headers["Authorization"] = "Bearer $key"
request = function()
	i = i + 1
	return wrk.format("GET", "/v1/quotes/" .. ids[(i % #ids) + 1])
end
done = function(summary, latency, requests)
	io.write(string.format("RESULT %.0f %.3f %.3f\n", summary.requests / (summary.duration / 1e6),
		latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
LUA

run() { wrk -t2 -c"$conns" -d"${seconds}s" -s "$work/ids.lua" "$1" | awk '/^RESULT/ {print $2, $3, $4}'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "round  verbatim_rps  p50_ms  p99_ms  |  echo_rps  p50_ms  p99_ms  |  ratio"
: >"$work/ratios"; : >"$work/v"; : >"$work/e"
for r in $(seq "$rounds"); do
	read -r vr vp50 vp99 < <(run "$verbatim")
	read -r er ep50 ep99 < <(run "$baseline")
	ratio=$(awk -v a="$vr" -v b="$er" 'BEGIN {printf "%.3f", a / b}')
	echo "$ratio" >>"$work/ratios"; echo "$vr $vp99" >>"$work/v"; echo "$er" >>"$work/e"
	printf '%5d  %12s  %6s  %6s  |  %8s  %6s  %6s  |  %s\n' "$r" "$vr" "$vp50" "$vp99" "$er" "$ep50" "$ep99" "$ratio"
done
echo "median: verbatim $(cut -d' ' -f1 "$work/v" | median) req/s (p99 $(cut -d' ' -f2 "$work/v" | median) ms)," \
	"echo $(median <"$work/e") req/s, ratio $(median <"$work/ratios")"
echo "($(nproc) cores, $rounds rounds of ${seconds}s, $conns connections, $(wc -l <"$work/ids") quotes)"
