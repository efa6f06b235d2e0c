#!/usr/bin/env bash
# Refresh the pinned front-end libraries under rapport/static/vendor/.
# Developers run this by hand when bumping a version; the result is committed,
# so users and CI never need npm (DESIGN §3).
set -euo pipefail
cd "$(dirname "$0")/.."
PICO_VERSION=2.1.1
ECHARTS_VERSION=5.6.0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "@picocss/pico@${PICO_VERSION}" --silent >/dev/null && tar xzf picocss-pico-*.tgz)
dest=rapport/static/vendor/pico
mkdir -p "$dest"
cp "$tmp/package/css/pico.min.css" "$dest/"
cp "$tmp/package/LICENSE.md" "$dest/LICENSE.md"
echo "@picocss/pico ${PICO_VERSION}" > "$dest/VERSION"
# ECharts (Apache-2.0): charts of the dashboards; its full build carries the Chinese and
# English UI texts and the dark theme.
(cd "$tmp" && npm pack "echarts@${ECHARTS_VERSION}" --silent >/dev/null && mkdir echarts && tar xzf echarts-*.tgz -C echarts)
dest=rapport/static/vendor/echarts
mkdir -p "$dest"
cp "$tmp/echarts/package/dist/echarts.min.js" "$dest/"
cp "$tmp/echarts/package/LICENSE" "$tmp/echarts/package/NOTICE" "$dest/"
echo "echarts ${ECHARTS_VERSION}" > "$dest/VERSION"
# htmx comes from the django-htmx wheel (pinned in pyproject), served from its own static dir.
echo "vendored into rapport/static/vendor/"
