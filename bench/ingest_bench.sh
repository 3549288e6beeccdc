#!/usr/bin/env bash
# Times `dmarcdb ingest` (docs/performance.md, "Ingest"):
#   fresh   the corpus folder into a new database
#   again   the same folder into the same database (every input already stored)
#   huge    one report of HUGE records (.xml.gz) into a new database
#   scale   the corpus SCALE times (other seeds) into a new database, for peak RSS
# printing wall and CPU time (user + system), reports/s, records/s, MB/s of
# XML and peak RSS (GNU time), the load average before each run, and the
# median over RUNS runs. Generates the data with bench/make_corpus into WORK
# (deleted at the end unless KEEP=1).
#
#   bench/ingest_bench.sh [BUILD_DIR]
#   environment: RUNS (3), REPORTS (2000), HUGE (500000; 0 skips), SCALE (0: skip;
#                10 for ten times the corpus), WORK (mktemp -d), KEEP (0),
#                DMARCDB (BUILD_DIR/app/dmarcdb), INGEST_ARGS (extra dmarcdb flags)
set -euo pipefail

build=${1:-build-rel}
runs=${RUNS:-3}
reports=${REPORTS:-2000}
huge=${HUGE:-500000}
scale=${SCALE:-0}
dmarcdb=${DMARCDB:-$build/app/dmarcdb}
make_corpus=$build/bench/make_corpus
time_bin=/usr/bin/time
[[ -x $time_bin ]] || { echo "ingest_bench: needs GNU time ($time_bin; Debian package 'time')" >&2; exit 2; }
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"
[[ ${KEEP:-0} == 1 ]] || trap 'rm -rf "$work"' EXIT

# make_corpus output "records: N" / "xml bytes: N" -> variables.
corpus_facts() { awk -F': ' '/^records:/ { r = $2 } /^xml bytes:/ { b = $2 } END { print r, b }'; }

# Prints "median min" of the numbers on stdin.
median_min() {
  sort -g | awk '{ v[NR] = $1 } END { printf "%s %s\n", v[int((NR + 1) / 2)], v[1] }'
}

header() {
  printf '%-7s %8s %8s %8s %9s %11s %8s %9s %6s\n' case 'wall s' 'CPU s' reports/s records/s \
    'records/CPUs' 'MB/s' 'RSS MiB' load
}

# run NAME REPORTS RECORDS XML_BYTES FRESH(0/1) PATH...: RUNS runs, median.
run() {
  local name=$1 n_reports=$2 n_records=$3 n_bytes=$4 fresh=$5
  shift 5
  local times=$work/times.$name
  : > "$times"
  local load
  for ((i = 0; i < runs; i++)); do
    if [[ $fresh == 1 ]]; then rm -f "$work/$name.db" "$work/$name.db-wal" "$work/$name.db-shm"; fi
    load=$(cut -d' ' -f1 /proc/loadavg)
    "$time_bin" -f '%e %M %U %S' -o "$work/one" \
      "$dmarcdb" ingest --db "$work/$name.db" -q ${INGEST_ARGS:-} "$@" > /dev/null
    echo "$(cat "$work/one") $load" >> "$times"
  done
  local wall cpu rss
  read -r wall _ < <(cut -d' ' -f1 "$times" | median_min)
  read -r cpu _ < <(awk '{ print $3 + $4 }' "$times" | median_min)
  rss=$(cut -d' ' -f2 "$times" | sort -g | tail -1)
  load=$(cut -d' ' -f5 "$times" | median_min | cut -d' ' -f1)
  awk -v n="$name" -v w="$wall" -v c="$cpu" -v rep="$n_reports" -v rec="$n_records" \
    -v b="$n_bytes" -v rss="$rss" -v l="$load" 'BEGIN {
      printf "%-7s %8.2f %8.2f %9.0f %11.0f %8.0f %9.1f %6.1f %s\n", n, w, c, rep / w, rec / w,
             rec / c, b / 1e6 / w, rss / 1024, l }'
}

echo "== corpus: $reports reports (make_corpus --reports $reports --seed 1)"
read -r records bytes < <("$make_corpus" --dir "$work/corpus" --reports "$reports" --seed 1 | corpus_facts)
echo "records $records, XML $((bytes / 1000000)) MB, files $(du -sm "$work/corpus" | cut -f1) MiB on disk"
echo "== $runs runs each, medians (wall: elapsed; CPU: user + system; RSS: the largest)"
header
run fresh "$reports" "$records" "$bytes" 1 "$work/corpus"
# The fresh database of the last run is ingested again: every input already stored.
cp "$work/fresh.db" "$work/again.db"
run again "$reports" "$records" "$bytes" 0 "$work/corpus"

if [[ $huge != 0 ]]; then
  read -r hrecords hbytes < <("$make_corpus" --dir "$work/huge" --huge "$huge" | corpus_facts)
  echo "== huge: one report of $hrecords records, XML $((hbytes / 1000000)) MB (.xml.gz)"
  run huge 1 "$hrecords" "$hbytes" 1 "$work/huge"
fi

if [[ $scale != 0 ]]; then
  total_records=0
  total_bytes=0
  for ((s = 1; s <= scale; s++)); do
    read -r r b < <("$make_corpus" --dir "$work/scaled/$s" --reports "$reports" --seed "$s" | corpus_facts)
    total_records=$((total_records + r))
    total_bytes=$((total_bytes + b))
  done
  echo "== scale: $scale times the corpus, $((scale * reports)) reports, $total_records records"
  runs=1 run scale "$((scale * reports))" "$total_records" "$total_bytes" 1 "$work/scaled"
fi
