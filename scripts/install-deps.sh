#!/bin/sh
# Installs everything dmarcdb needs to build and test, from Debian 12
# packages. Idempotent: packages already present are left as they are.
set -eu
packages="cmake g++ make ninja-build pkg-config git ca-certificates
  libpugixml-dev libcurl4-openssl-dev zlib1g-dev libzip-dev libsqlite3-dev sqlite3
  libssl-dev libboost-program-options-dev libgtest-dev libgmock-dev libbenchmark-dev
  libgmime-3.0-dev libfmt-dev libexpected-dev
  libc-ares-dev libyaml-cpp-dev nsd bind9-dnsutils libpsl-dev publicsuffix
  python3 python3-aiosmtpd openssl chromium chromium-driver
  dovecot-core dovecot-imapd"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  [ "$(id -u)" = 0 ] && SUDO="" || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
