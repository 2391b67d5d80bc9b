#!/usr/bin/env bash
# Installs the Debian packages the tests need, when they are missing:
#   postgresql, influxdb, mosquitto, mosquitto-clients  servers the tests start (tests/Cohort.Testing.Servers)
#   python3-pymodbus, python3-serial-asyncio, openssl   the Modbus peer server (pymodbus' server needs pyserial,
#                                                       only a Recommends of it) and test vectors
# Safe to run again: it installs nothing that is already there, and runs apt-get update only when it installs.
# The packages' own system services are stopped and disabled: the tests start their own instances on free loopback
# ports. Works with or without systemd (containers). Needs root, or sudo.
set -euo pipefail

packages=(postgresql influxdb mosquitto mosquitto-clients python3-pymodbus python3-serial-asyncio openssl)
services=(postgresql influxdb mosquitto)

# A package counts as present when dpkg says so, or when the file the tests use is there (a build from elsewhere).
installed() {
  local pkg=$1
  if command -v dpkg-query >/dev/null 2>&1 \
     && [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" = "install ok installed" ]; then
    return 0
  fi
  case "$pkg" in
    postgresql) compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null ;;
    influxdb) [ -x /usr/bin/influxd ] ;;
    mosquitto) [ -x /usr/sbin/mosquitto ] ;;
    mosquitto-clients) [ -x /usr/bin/mosquitto_pub ] && [ -x /usr/bin/mosquitto_sub ] ;;
    python3-pymodbus) [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import pymodbus' >/dev/null 2>&1 ;;
    python3-serial-asyncio) [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import serial_asyncio, pymodbus.server' >/dev/null 2>&1 ;;
    openssl) command -v openssl >/dev/null 2>&1 ;;
    *) return 1 ;;
  esac
}

missing=()
for pkg in "${packages[@]}"; do
  installed "$pkg" || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-test-deps: all test dependencies present"
  exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "install-test-deps: missing ${missing[*]}; run as root, or install them by hand:" >&2
    echo "  apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-deps: missing ${missing[*]} and there is no apt-get: install their equivalents by hand (see docs/testing.md)" >&2
  exit 1
fi

echo "install-test-deps: installing ${missing[*]}"

# Keep the packages' services from starting during the install where nothing else says otherwise (the usual Debian
# container policy: invoke-rc.d and deb-systemd-invoke ask /usr/sbin/policy-rc.d; 101 = "action forbidden").
policy=/usr/sbin/policy-rc.d
added_policy=no
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$policy" >/dev/null
  "${as_root[@]}" chmod 755 "$policy"
  added_policy=yes
fi
remove_policy() { if [ "$added_policy" = yes ]; then "${as_root[@]}" rm -f "$policy"; fi; }
trap remove_policy EXIT

"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

# Stop and disable the services if the install started or enabled them anyway.
for svc in "${services[@]}"; do
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    if systemctl list-unit-files "$svc.service" >/dev/null 2>&1; then
      "${as_root[@]}" systemctl disable --now "$svc.service" >/dev/null 2>&1 || true
    fi
  elif [ -x "/etc/init.d/$svc" ]; then
    if "${as_root[@]}" "/etc/init.d/$svc" status >/dev/null 2>&1; then
      "${as_root[@]}" "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
    fi
    if command -v update-rc.d >/dev/null 2>&1; then
      "${as_root[@]}" update-rc.d "$svc" disable >/dev/null 2>&1 || true
    fi
  fi
done

still_missing=()
for pkg in "${missing[@]}"; do
  installed "$pkg" || still_missing+=("$pkg")
done
if [ ${#still_missing[@]} -ne 0 ]; then
  echo "install-test-deps: still missing after the install: ${still_missing[*]}" >&2
  exit 1
fi
echo "install-test-deps: done"
