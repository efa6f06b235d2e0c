#!/usr/bin/env bash
# Start the web server and the job worker together; Ctrl-C stops both.
set -euo pipefail
BIN=${BIN:-.venv/bin}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
# Plain HTTP on this machine: cookies cannot be "Secure" here. Production sets TLS.
export SECURE_COOKIES=${SECURE_COOKIES:-false}
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-127.0.0.1,localhost,[::1],$HOST}

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Rapport stopped."
}
trap cleanup INT TERM EXIT

"$BIN/rapport" run_huey --quiet &
pids+=($!)
"$BIN/gunicorn" config.wsgi:application --bind "$HOST:$PORT" --workers 2 --threads 4 \
  --access-logfile - --error-logfile - --log-level warning &
pids+=($!)

sleep 1
display_host=$HOST
[ "$HOST" = "0.0.0.0" ] && display_host=127.0.0.1
echo
echo "Rapport is running at http://$display_host:$PORT/  (Ctrl-C stops the web server and the worker)"
"$BIN/rapport" demo --logins
wait -n "${pids[@]}"
