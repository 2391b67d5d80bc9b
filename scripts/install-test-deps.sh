#!/usr/bin/env bash
# Installs the Debian packages the tests need, when they are missing. Safe to run again: it installs nothing
# that is already there. Needs root (or sudo) for apt-get.
set -euo pipefail

# package -> a file that shows it is installed
declare -A probe=(
  [postgresql]=/usr/lib/postgresql/15/bin/initdb
  [influxdb]=/usr/bin/influxd
  [mosquitto]=/usr/sbin/mosquitto
  [mosquitto-clients]=/usr/bin/mosquitto_pub
  [openssl]=/usr/bin/openssl
)

missing=()
for pkg in "${!probe[@]}"; do
  [ -e "${probe[$pkg]}" ] || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-test-deps: all test servers present"
  exit 0
fi

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
echo "install-test-deps: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The packages' own services are not wanted: the tests start their servers on free loopback ports.
for svc in postgresql influxdb mosquitto; do
  if command -v service >/dev/null 2>&1; then "${sudo_cmd[@]}" service "$svc" stop >/dev/null 2>&1 || true; fi
done
echo "install-test-deps: done"
