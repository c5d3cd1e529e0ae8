#!/usr/bin/env bash
# Vendors the browser libraries Ferry serves (htmx) and tests with (axe-core) from the npm registry:
# `npm pack`s the exact version, checks the tarball against the integrity hash pinned here (the
# registry's `dist.integrity`), and copies the file with its licence. The copies are committed, so
# the app, the tests and the demo never need the network. To update: change the version, run
# `npm view PACKAGE@VERSION dist.integrity`, pin the new hash, run this script, commit.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# vendor PACKAGE VERSION INTEGRITY DESTINATION FILE [FILE...]  (files inside the package, copied flat)
vendor() {
  local package=$1 version=$2 integrity=$3 destination=$4
  shift 4
  local tarball actual
  tarball=$(cd "$work" && npm pack --silent "$package@$version" | tail -n 1)
  actual="sha512-$(python3 -c 'import base64, hashlib, sys; print(base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$work/$tarball")"
  if [ "$actual" != "$integrity" ]; then
    echo "$package@$version: integrity mismatch (expected $integrity, got $actual); nothing copied" >&2
    exit 1
  fi
  mkdir -p "$destination" "$work/$package"
  tar -xzf "$work/$tarball" -C "$work/$package"
  for file in "$@"; do
    cp "$work/$package/package/$file" "$destination/"
  done
  echo "$package@$version -> $destination: $*"
}

vendor htmx.org 2.0.11 \
  "sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA==" \
  static dist/htmx.min.js
cp "$work/htmx.org/package/LICENSE" static/htmx.LICENSE

vendor axe-core 4.14.1 \
  "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==" \
  tests/browser/vendor axe.min.js LICENSE LICENSE-3RD-PARTY.txt
