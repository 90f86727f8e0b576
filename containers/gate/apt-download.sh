#!/bin/bash
# freshet's APT gate, phase 1: download. Runs as root in a clean container of the target, with the
# network (to reach the distribution's mirror), but runs only apt: `apt-get update` and
# `apt-get install --download-only` unpack nothing and run no maintainer script. Every value
# arrives in an environment variable or a file; nothing here is text taken from a recipe.
#   FRESHET_PACKAGES   binary package names, space-separated (validated by freshet)
#   FRESHET_REQUIRES   packages from the distribution the smoke commands need, space-separated
#   FRESHET_UPGRADE    1: also fetch the distribution's own version, installed first in phase 2
#   /freshet/freshet.sources, /freshet/archive-keyring.gpg   the staging archive (file:/staging) and its key
# Output in /gate: shipped/ (the distribution's versions), archives/ (what installing ours needs
# from the mirror), lists-distribution/ and lists/ (apt's verified indexes without and with the
# staging archive). The log's "candidate versions" section is apt's choice for each package.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
read -ra packages <<<"$FRESHET_PACKAGES"
read -ra requires <<<"${FRESHET_REQUIRES:-}"
step() { printf '### %s\n' "$*"; }
# A folder of its own per download: images' clean-up hooks empty /var/cache/apt/archives.
download() {
  local into="$1"
  shift
  mkdir -p "$into/partial"
  apt-get install -y -q --no-install-recommends --download-only -o "Dir::Cache::Archives=$into/" "$@"
  rm -rf "$into/partial" "$into/lock"
}
# The gate reads no package descriptions: skipping Translation files saves their download and copies.
echo 'Acquire::Languages "none";' >/etc/apt/apt.conf.d/90freshet-gate
save_lists() {
  mkdir -p "$1"
  find /var/lib/apt/lists -maxdepth 1 -type f ! -name lock -exec cp -p {} "$1/" \;
}

if [ "${FRESHET_UPGRADE:-0}" = 1 ]; then
  step "download the distribution's version"
  apt-get update -q
  shipped=()
  for package in "${packages[@]}"; do
    if apt-cache show "$package" >/dev/null 2>&1; then shipped+=("$package"); fi
  done
  if [ "${#shipped[@]}" -gt 0 ]; then download /gate/shipped "${shipped[@]}"; fi
  save_lists /gate/lists-distribution
fi

step "add the staging archive"
cp /freshet/freshet.sources /etc/apt/sources.list.d/freshet.sources
apt-get update -q 2>&1 | tee /tmp/apt-update.log
if grep -qE '^(W|E|Err):' /tmp/apt-update.log; then
  step "apt-get update reported warnings or errors"
  exit 90
fi

step "download what the install needs"
download /gate/archives "${packages[@]}" "${requires[@]}"

step "candidate versions"
apt-get install -s -q --no-install-recommends "${packages[@]}" | sed -n 's/^Inst \([^ ]*\) \(\[[^]]*\] \)\{0,1\}(\([^ ]*\) .*/\1 \3/p'
save_lists /gate/lists
step "download done"
