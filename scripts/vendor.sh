#!/usr/bin/env bash
# Refresh the pinned front-end libraries under rapport/static/vendor/.
# Developers run this by hand when bumping a version; the result is committed,
# so users and CI never need npm (DESIGN §3).
set -euo pipefail
cd "$(dirname "$0")/.."
PICO_VERSION=2.1.1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "@picocss/pico@${PICO_VERSION}" --silent >/dev/null && tar xzf picocss-pico-*.tgz)
dest=rapport/static/vendor/pico
mkdir -p "$dest"
cp "$tmp/package/css/pico.min.css" "$dest/"
cp "$tmp/package/LICENSE.md" "$dest/LICENSE.md"
echo "@picocss/pico ${PICO_VERSION}" > "$dest/VERSION"
# htmx comes from the django-htmx wheel (pinned in pyproject), served from its own static dir.
echo "vendored into rapport/static/vendor/"
