/**
 * The in-container parts of the RPM gate, run as root in clean containers. Every value arrives in
 * an environment variable or a file under /freshet; nothing here is text taken from a recipe.
 *
 * RPM_DOWNLOAD_SCRIPT (Fedora images only; network on, only dnf runs): dnf reads the staging
 * repository (file:///staging, gpgcheck=1, repo_gpgcheck=1) and the distribution's, and downloads
 * what the install needs into its cache; `--downloadonly` runs no scriptlet. The cache is copied
 * to /gate for the install phase.
 *   FRESHET_PACKAGES  RPM package names, space-separated (validated by freshet)
 *   FRESHET_REQUIRES  what the smoke commands need (RPM names)
 */
export const RPM_DOWNLOAD_SCRIPT = `set -euo pipefail
read -ra packages <<<"$FRESHET_PACKAGES"
read -ra requires <<<"\${FRESHET_REQUIRES:-}"
step() { printf '### %s\\n' "$*"; }
step "add the staging repository"
cp /freshet/freshet.repo /etc/yum.repos.d/freshet.repo
dnf -y makecache
step "download what the install needs"
dnf -y install --downloadonly --setopt=keepcache=True --setopt=install_weak_deps=False "\${packages[@]}" "\${requires[@]}"
cp -a /var/cache/dnf /gate/dnf-cache
step "download done"
`;

/**
 * RPM_INSTALL_SCRIPT (no network): installs exactly the versions freshet read from the package
 * files, then runs the smoke commands.
 *   FRESHET_INSTALL   dnf mode: name-[epoch:]version-release of each package; rpm mode: unused
 *   FRESHET_REQUIRES  what the smoke commands need: installed with dnf; in rpm mode unused (their
 *                     Debian packages are in the gate image already, GateRequest.debianDepends)
 *   FRESHET_MODE      dnf: install from phase 1's cache (Fedora images);
 *                     rpm: rpm -i --nodeps of the served files, signatures enforced (rpm on Debian,
 *                     whose dependencies are Debian packages rpm's database cannot see)
 *   /freshet/freshet.repo, /freshet/key.asc, /freshet/rpms/*.rpm, /freshet/smoke/N (NUL-separated argv)
 *   /gate/dnf-cache   phase 1's dnf cache (dnf mode)
 */
export const RPM_INSTALL_SCRIPT = `set -euo pipefail
read -ra install <<<"\${FRESHET_INSTALL:-}"
read -ra requires <<<"\${FRESHET_REQUIRES:-}"
step() { printf '### %s\\n' "$*"; }
if [ "$FRESHET_MODE" = dnf ]; then
  step "install from the staging repository"
  cp /freshet/freshet.repo /etc/yum.repos.d/freshet.repo
  rm -rf /var/cache/dnf && cp -a /gate/dnf-cache /var/cache/dnf
  dnf -y --cacheonly install --setopt=install_weak_deps=False "\${install[@]}"
  if [ "\${#requires[@]}" -gt 0 ]; then
    step "install what the smoke commands need"
    dnf -y --cacheonly install --setopt=install_weak_deps=False "\${requires[@]}"
  fi
else
  step "import the archive key"
  rpmkeys --import /freshet/key.asc
  step "install the served packages (rpm -i --nodeps, signatures required)"
  rpm -i --nodeps --define '_pkgverify_level signature' /freshet/rpms/*.rpm
fi
shopt -s nullglob
for command_file in /freshet/smoke/*; do
  mapfile -d '' -t argv <"$command_file"
  step "smoke $(basename "$command_file")"
  "\${argv[@]}"
  step "smoke $(basename "$command_file") passed"
done
step "gate passed"
`;
