/**
 * The in-container part of the RPM gate, run as root in a clean container. Every value arrives in
 * an environment variable or a file under /freshet; nothing here is text taken from a recipe.
 *   FRESHET_PACKAGES  RPM package names, space-separated (validated by freshet)
 *   FRESHET_REQUIRES  what the smoke commands need (RPM names): installed with dnf; in rpm mode the
 *                     builder image's Debian tools (pkgconf…) stand in for them, and the log says so
 *   FRESHET_MODE      dnf: install through dnf from the served repository (Fedora images);
 *                     rpm: rpm -i --nodeps of the served files, signatures enforced (rpm on Debian,
 *                     whose dependencies are Debian packages rpm's database cannot see)
 *   /freshet/freshet.repo, /freshet/key.asc, /freshet/rpms/*.rpm, /freshet/smoke/N (NUL-separated argv)
 */
export const RPM_GATE_SCRIPT = `set -euo pipefail
read -ra packages <<<"$FRESHET_PACKAGES"
read -ra requires <<<"\${FRESHET_REQUIRES:-}"
step() { printf '### %s\\n' "$*"; }
if [ "$FRESHET_MODE" = dnf ]; then
  step "add the staging repository"
  cp /freshet/freshet.repo /etc/yum.repos.d/freshet.repo
  dnf -y makecache --repo freshet
  step "install from the staging repository"
  dnf -y install --setopt=install_weak_deps=False "\${packages[@]}"
  if [ "\${#requires[@]}" -gt 0 ]; then
    step "install what the smoke commands need"
    dnf -y install --setopt=install_weak_deps=False "\${requires[@]}"
  fi
else
  if [ "\${#requires[@]}" -gt 0 ]; then
    step "smoke needs \${requires[*]}: taken from the builder image's Debian tools"
  fi
  step "import the archive key"
  rpmkeys --import /freshet/key.asc
  step "install the served packages (rpm -i --nodeps, signatures required)"
  rpm -i --nodeps --define '_pkgverify_level signature' /freshet/rpms/*.rpm
fi
step "installed versions"
rpm -q --qf '%{NAME} %|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\\n' "\${packages[@]}"
shopt -s nullglob
for command_file in /freshet/smoke/*; do
  mapfile -d '' -t argv <"$command_file"
  step "smoke $(basename "$command_file")"
  "\${argv[@]}"
  step "smoke $(basename "$command_file") passed"
done
step "gate passed"
`;
