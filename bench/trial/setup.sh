#!/bin/sh
# The issue 14 trial's inputs (docs/adding-a-recipe.md, "Trial"): six upstreams with no recipe in
# recipes/, their release files from Debian's pool in the local mirror, api.github.com and
# github.com served from that mirror by bench/trial/github-fake.ts, and a scratch folder with its
# own config, state and archive. Ends with the recipes exactly as `freshet new` wrote them, in
# DIR/orig and DIR/recipes; edit DIR/recipes, then `freshet --config DIR/freshet.config.yaml run`.
#
#   sh bench/trial/setup.sh [DIR]      (default /tmp/freshet-trial; the mirror on 127.0.0.1:8781)
set -eu
dir=${1:-/tmp/freshet-trial}
cd "$(dirname "$0")/../.."
freshet() { node src/cli/bin.js --config "$dir/freshet.config.yaml" "$@"; }

node src/cli/bin.js mirror fill xxhash fribidi tmux libcbor less grep
curl -sf -o /dev/null http://127.0.0.1:8781/ || { echo "start the mirror first: node src/cli/bin.js mirror serve &" >&2; exit 1; }
if ! curl -sf -o /dev/null http://127.0.0.1:8782/repos/fribidi/fribidi/releases; then
  npx tsc -p bench/tsconfig.json
  node dist/.bench/bench/trial/github-fake.js var/mirror 127.0.0.1:8782 > "${TMPDIR:-/tmp}/freshet-github-fake.log" 2>&1 &
  echo "api.github.com and github.com fake: pid $! on 127.0.0.1:8782 (stop it with kill $!)"
  sleep 1
fi

mkdir -p "$dir/recipes" "$dir/orig"
sed -e "s#^recipes: .*#recipes: $dir/recipes#" \
    -e "s#^archive: .*#archive: $dir/archive#" \
    -e "s#^state: .*#state: $dir/state#" \
    -e "s#to: http://127.0.0.1:8781/github.com/#to: http://127.0.0.1:8782/#" \
    -e "s#^rewrites:\$#rewrites:\n  - from: https://api.github.com/\n    to: http://127.0.0.1:8782/\n  - from: https://www.greenwoodsoftware.com/\n    to: http://127.0.0.1:8781/www.greenwoodsoftware.com/#" \
    -e "s#^allowHosts:\$#allowHosts:\n  - 127.0.0.1:8782#" \
    freshet.config.yaml > "$dir/freshet.config.yaml"
freshet key create

for url in https://github.com/Cyan4973/xxHash https://github.com/fribidi/fribidi https://github.com/tmux/tmux \
           https://github.com/PJK/libcbor https://www.greenwoodsoftware.com/less/ https://ftp.gnu.org/gnu/grep/; do
  freshet new --force --out "$dir/orig" "$url"
done
cp "$dir"/orig/*.yaml "$dir/recipes/"
# less signs its releases: the key (Mark Nudelman's, AE27252BD6846E7D6EAE1DD6F153A7C833235259) from
# Debian's packaging, where debian/upstream/signing-key.asc keeps it.
mkdir -p "$dir/recipes/less/keys"
curl -sf http://deb.debian.org/debian/pool/main/l/less/less_668-1.debian.tar.xz | tar xJO debian/upstream/signing-key.asc > "$dir/recipes/less/keys/signing-key.asc"
freshet lint
