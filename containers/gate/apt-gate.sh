#!/bin/bash
# freshet's APT gate, run as root inside a clean container of the target. Every value arrives in
# an environment variable or a file under /freshet; nothing here is text taken from a recipe.
#   FRESHET_PACKAGES   binary package names, space-separated (validated by freshet)
#   FRESHET_REQUIRES   packages from the distribution the smoke commands need, space-separated
#   FRESHET_UPGRADE    1: install the distribution's own version first, then upgrade to ours
#   /freshet/freshet.sources, /freshet/archive-keyring.gpg   the staging archive and its key
#   /freshet/smoke/N   smoke command N, its arguments separated by NUL bytes
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
read -ra packages <<<"$FRESHET_PACKAGES"
read -ra requires <<<"${FRESHET_REQUIRES:-}"
step() { printf '### %s\n' "$*"; }

if [ "${FRESHET_UPGRADE:-0}" = 1 ]; then
  step "install the distribution's version"
  apt-get update -q
  shipped=()
  for package in "${packages[@]}"; do
    if apt-cache show "$package" >/dev/null 2>&1; then shipped+=("$package"); fi
  done
  if [ "${#shipped[@]}" -gt 0 ]; then
    apt-get install -y -q --no-install-recommends "${shipped[@]}"
    step "distribution versions"
    dpkg-query -W -f='${Package} ${Version}\n' "${shipped[@]}"
  fi
fi

step "add the staging archive"
cp /freshet/freshet.sources /etc/apt/sources.list.d/freshet.sources
apt-get update -q 2>&1 | tee /tmp/apt-update.log
if grep -qE '^(W|E|Err):' /tmp/apt-update.log; then
  step "apt-get update reported warnings or errors"
  exit 90
fi

step "install from the staging archive"
apt-get install -y -q --no-install-recommends "${packages[@]}"

if [ "${#requires[@]}" -gt 0 ]; then
  step "install what the smoke commands need"
  apt-get install -y -q --no-install-recommends "${requires[@]}"
fi

step "installed versions"
dpkg-query -W -f='${Package} ${Version}\n' "${packages[@]}"

shopt -s nullglob
for command_file in /freshet/smoke/*; do
  mapfile -d '' -t argv <"$command_file"
  step "smoke $(basename "$command_file")"
  "${argv[@]}"
  step "smoke $(basename "$command_file") passed"
done
step "gate passed"
