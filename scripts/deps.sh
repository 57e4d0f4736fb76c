#!/bin/sh
# Installs what building and testing dynworker needs on Debian 12 (run as root, or with
# sudo available). Does nothing when everything is already there. `deps.sh fuzz` also
# installs clang (libFuzzer), for `make fuzz-smoke` and `make fuzz`; `deps.sh bench` also
# installs wrk (the HTTP load generator of bench/http and bench/compare) and npm (bench/compare
# installs its peers with it); `deps.sh valgrind` also installs valgrind, for
# `make test-valgrind`.
set -eu
PKGS="build-essential cmake pkg-config libjavascriptcoregtk-4.1-dev libjansson-dev \
libcmocka-dev libcurl4-openssl-dev zlib1g-dev libssl-dev libseccomp-dev libevent-dev \
libsqlite3-dev python3 python3-yaml python3-jsonschema nodejs"
[ "${1:-}" = fuzz ] && PKGS="$PKGS clang"
[ "${1:-}" = bench ] && PKGS="$PKGS wrk npm"
[ "${1:-}" = valgrind ] && PKGS="$PKGS valgrind"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# nodejs may come from elsewhere (a newer node on PATH counts as present).
case " $missing " in *" nodejs "*) command -v node >/dev/null 2>&1 && missing=$(echo "$missing" | sed 's/ nodejs//') ;; esac
case " $missing " in *" npm "*) command -v npm >/dev/null 2>&1 && missing=$(echo "$missing" | sed 's/ npm//') ;; esac
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
