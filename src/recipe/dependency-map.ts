/**
 * Dependencies are written once in recipes as short names; this map gives the Debian and RPM
 * package names. The config's `dependencies:` adds to it and overrides it, and a recipe may
 * spell a mapping out inline. Debian names are for Debian and Ubuntu; RPM names for Fedora.
 */
export interface DependencyNames {
  deb?: string;
  rpm?: string;
}

export const builtinDependencies: Record<string, DependencyNames> = {
  'pkg-config': { deb: 'pkgconf', rpm: 'pkgconf-pkg-config' },
  cmake: { deb: 'cmake', rpm: 'cmake' },
  meson: { deb: 'meson', rpm: 'meson' },
  ninja: { deb: 'ninja-build', rpm: 'ninja-build' },
  autoconf: { deb: 'autoconf', rpm: 'autoconf' },
  automake: { deb: 'automake', rpm: 'automake' },
  libtool: { deb: 'libtool', rpm: 'libtool' },
  gettext: { deb: 'gettext', rpm: 'gettext-devel' },
  texinfo: { deb: 'texinfo', rpm: 'texinfo' },
  bison: { deb: 'bison', rpm: 'bison' },
  flex: { deb: 'flex', rpm: 'flex' },
  perl: { deb: 'perl', rpm: 'perl-interpreter' },
  python3: { deb: 'python3', rpm: 'python3' },
  'python3-setuptools': { deb: 'python3-setuptools', rpm: 'python3-setuptools' },
  'python3-build': { deb: 'pybuild-plugin-pyproject', rpm: 'python3-build' },
  help2man: { deb: 'help2man', rpm: 'help2man' },
  ncurses: { deb: 'libncurses-dev', rpm: 'ncurses-devel' },
  ncursesw: { deb: 'libncurses-dev', rpm: 'ncurses-devel' },
  zlib: { deb: 'zlib1g-dev', rpm: 'zlib-devel' },
  bzip2: { deb: 'libbz2-dev', rpm: 'bzip2-devel' },
  lzma: { deb: 'liblzma-dev', rpm: 'xz-devel' },
  zstd: { deb: 'libzstd-dev', rpm: 'libzstd-devel' },
  lz4: { deb: 'liblz4-dev', rpm: 'lz4-devel' },
  openssl: { deb: 'libssl-dev', rpm: 'openssl-devel' },
  readline: { deb: 'libreadline-dev', rpm: 'readline-devel' },
  pcre2: { deb: 'libpcre2-dev', rpm: 'pcre2-devel' },
  expat: { deb: 'libexpat1-dev', rpm: 'expat-devel' },
  libxml2: { deb: 'libxml2-dev', rpm: 'libxml2-devel' },
  libyaml: { deb: 'libyaml-dev', rpm: 'libyaml-devel' },
  curl: { deb: 'libcurl4-openssl-dev', rpm: 'libcurl-devel' },
  sqlite3: { deb: 'libsqlite3-dev', rpm: 'sqlite-devel' },
  glib2: { deb: 'libglib2.0-dev', rpm: 'glib2-devel' },
  libevent: { deb: 'libevent-dev', rpm: 'libevent-devel' },
  libffi: { deb: 'libffi-dev', rpm: 'libffi-devel' },
  jansson: { deb: 'libjansson-dev', rpm: 'jansson-devel' },
  libuv: { deb: 'libuv1-dev', rpm: 'libuv-devel' },
  check: { deb: 'check', rpm: 'check-devel' },
  cmocka: { deb: 'libcmocka-dev', rpm: 'libcmocka-devel' },
  gtest: { deb: 'libgtest-dev', rpm: 'gtest-devel' },
  utf8proc: { deb: 'libutf8proc-dev', rpm: 'utf8proc-devel' },
  libedit: { deb: 'libedit-dev', rpm: 'libedit-devel' },
  libcap: { deb: 'libcap-dev', rpm: 'libcap-devel' },
  libseccomp: { deb: 'libseccomp-dev', rpm: 'libseccomp-devel' },
  libarchive: { deb: 'libarchive-dev', rpm: 'libarchive-devel' },
  'libmagic': { deb: 'libmagic-dev', rpm: 'file-devel' },
  'libonig': { deb: 'libonig-dev', rpm: 'oniguruma-devel' },
  'libgpg-error': { deb: 'libgpg-error-dev', rpm: 'libgpg-error-devel' },
  libgcrypt: { deb: 'libgcrypt20-dev', rpm: 'libgcrypt-devel' },
};
