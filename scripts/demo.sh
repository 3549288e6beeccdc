#!/bin/sh
# The main job on the bundled samples: builds dmarcdb (installing what is
# missing on a fresh Debian 12 machine), ingests samples/reports/ into demo.db,
# lists what was stored and prints the weekly failure summary of the samples'
# last week (2026-W47), without reverse DNS lookups.
set -eu
cd "$(dirname "$0")/.."
"$(pwd)/scripts/install-deps.sh"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target dmarcdb
rm -f demo.db demo.db-wal demo.db-shm
./build/app/dmarcdb ingest --quiet --db demo.db samples/reports
./build/app/dmarcdb reports --db demo.db
./build/app/dmarcdb failures --db demo.db
echo
# The samples use documentation addresses: no reverse DNS (fast, offline).
./build/app/dmarcdb report --db demo.db --week 2026-W47 --no-dns
echo
echo "The database is demo.db: try  sqlite3 demo.db 'SELECT * FROM spf_alignment_failures'"
