#!/bin/bash
# freshet's APT gate, phase 2: install and smoke, as root in a clean container of the target with
# no network. Installs what phase 1 downloaded: the distribution's version first when upgrading,
# then exactly the versions freshet read from the built package files, from the staging archive
# (file:/staging, verified indexes from phase 1), then runs the smoke commands.
#   FRESHET_SHIPPED    name=version of the distribution's packages to install first (may be empty)
#   FRESHET_INSTALL    name=version of the built packages, read on the host from the .deb files
#   FRESHET_REQUIRES   packages from the distribution the smoke commands need
#   /freshet/freshet.sources, /freshet/archive-keyring.gpg, /freshet/smoke/N (NUL-separated argv)
#   /gate              phase 1's output (read-only)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
read -ra shipped <<<"${FRESHET_SHIPPED:-}"
read -ra install <<<"$FRESHET_INSTALL"
read -ra requires <<<"${FRESHET_REQUIRES:-}"
step() { printf '### %s\n' "$*"; }
use_lists() {
  find /var/lib/apt/lists -maxdepth 1 -type f ! -name lock -delete
  cp -p "$1"/* /var/lib/apt/lists/
}
# Phase 1's downloads, in a folder of the container's own: apt takes a lock beside them. (No
# --no-download: apt then refuses file:/ sources; with no network it cannot fetch anything anyway.)
install_from() {
  local from="$1"
  shift
  mkdir -p "/var/cache/freshet/$from/partial"
  if [ -d "/gate/$from" ]; then cp -p "/gate/$from"/. "/var/cache/freshet/$from/" -r; fi
  apt-get install -y -q --no-install-recommends -o "Dir::Cache::Archives=/var/cache/freshet/$from/" "$@"
}

if [ "${#shipped[@]}" -gt 0 ]; then
  step "install the distribution's version"
  use_lists /gate/lists-distribution
  install_from shipped "${shipped[@]}"
fi

step "install from the staging archive"
cp /freshet/freshet.sources /etc/apt/sources.list.d/freshet.sources
use_lists /gate/lists
install_from archives "${install[@]}"

if [ "${#requires[@]}" -gt 0 ]; then
  step "install what the smoke commands need"
  install_from archives "${requires[@]}"
fi

shopt -s nullglob
for command_file in /freshet/smoke/*; do
  mapfile -d '' -t argv <"$command_file"
  step "smoke $(basename "$command_file")"
  "${argv[@]}"
  step "smoke $(basename "$command_file") passed"
done
step "gate passed"
