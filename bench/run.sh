#!/usr/bin/env bash
# Times `dmarcdb report` end to end on the benchmark database, for each output
# format: median and minimum wall time, median CPU time (user + system) and
# peak RSS over RUNS runs (GNU time).
# Builds the database first if it does not exist. With INGEST=1 also times
# `dmarcdb ingest` of generated XML files into a fresh database.
#
#   bench/run.sh [BUILD_DIR] [DB]
#   environment: RUNS (5), WEEK (2026-W47), RECORDS (10000000), INGEST (0),
#                XML_REPORTS (300), DMARCDB (BUILD_DIR/app/dmarcdb)
# See docs/performance.md.
set -euo pipefail

build=${1:-build-bench}
db=${2:-$build/bench10m.db}
runs=${RUNS:-5}
week=${WEEK:-2026-W47}
dmarcdb=${DMARCDB:-$build/app/dmarcdb}
time_bin=/usr/bin/time
[[ -x $time_bin ]] || { echo "run.sh: needs GNU time ($time_bin; Debian package 'time')" >&2; exit 2; }

if [[ ! -f $db ]]; then
  echo "== building $db"
  "$time_bin" -f 'make_db: %e s wall, %U s user, %S s system, %M KiB peak RSS' \
    "$build/bench/make_db" --db "$db" --records "${RECORDS:-10000000}"
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# Prints "median min" of the numbers on stdin.
median_min() {
  sort -g | awk '{ v[NR] = $1 } END { printf "%s %s\n", v[int((NR + 1) / 2)], v[1] }'
}

echo "== dmarcdb report --week $week, $runs runs each (warm page cache)"
printf '%-10s %10s %10s %10s %14s\n' format 'median s' 'min s' 'CPU s' 'peak RSS MiB'
for format in text markdown html csv json; do
  : > "$scratch/times"
  for ((i = 0; i < runs; i++)); do
    "$time_bin" -f '%e %M %U %S' -o "$scratch/one" \
      "$dmarcdb" report --db "$db" --week "$week" --format "$format" -o "$scratch/out"
    cat "$scratch/one" >> "$scratch/times"
  done
  read -r median min < <(cut -d' ' -f1 "$scratch/times" | median_min)
  read -r cpu _ < <(awk '{ print $3 + $4 }' "$scratch/times" | median_min)
  rss=$(cut -d' ' -f2 "$scratch/times" | sort -g | tail -1)
  printf '%-10s %10s %10s %10s %14d\n' "$format" "$median" "$min" "$cpu" $((rss / 1024))
done

if [[ ${INGEST:-0} == 1 ]]; then
  echo "== dmarcdb ingest of generated XML files into a fresh database"
  "$build/bench/make_db" --xml-dir "$scratch/xml" --xml-reports "${XML_REPORTS:-300}" \
    --records "${RECORDS:-10000000}"
  du -sh "$scratch/xml" | cut -f1 | sed 's/^/xml on disk: /'
  "$time_bin" -f 'ingest: %e s wall, %U s user, %S s system, %M KiB peak RSS' \
    "$dmarcdb" ingest --db "$scratch/ingest.db" -q "$scratch/xml"
fi
