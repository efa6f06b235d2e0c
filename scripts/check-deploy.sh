#!/usr/bin/env bash
# Django's deployment checks under production-like settings; any warning fails.
# `make check` and CI run it. Settings come only from the environment (config/settings.py),
# so this is the configuration docs/operations.md describes for a server behind TLS.
# Extra arguments go to `rapport check` (e.g. --tag security).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}

var_dir=$(mktemp -d)
trap 'rm -rf "$var_dir"' EXIT
secret=$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(64))')

# An empty environment plus the settings below: nothing from a developer's shell or the test
# runner (DEBUG, test settings, DJANGO_ALLOW_ASYNC_UNSAFE, a local database) may make the
# check pass or fail by accident.
env -i PATH="$PATH" HOME="${HOME:-/tmp}" LANG=C.UTF-8 TMPDIR="${TMPDIR:-/tmp}" \
  DJANGO_SETTINGS_MODULE=config.settings \
  RAPPORT_TESTING=false \
  DEBUG=false \
  SECRET_KEY="$secret" \
  SECURE_SSL_REDIRECT=true \
  SECURE_HSTS_SECONDS=31536000 \
  SECURE_COOKIES=true \
  ALLOWED_HOSTS=rapport.example.com \
  RAPPORT_VAR_DIR="$var_dir" \
  "$BIN/rapport" check --deploy --fail-level WARNING "$@"
