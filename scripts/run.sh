#!/usr/bin/env bash
# Start the web server and the job worker together; Ctrl-C stops both.
#
# The worker is huey's consumer (`rapport run_huey`): its threads run jobs and its scheduler
# enqueues the periodic tasks. Both processes read the same settings, so they share the
# database and the queue (a SQLite file under var/, or Redis when REDIS_URL is set).
set -euo pipefail
BIN=${BIN:-.venv/bin}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
# Plain HTTP on this machine: cookies cannot be "Secure" here. Production sets TLS.
export SECURE_COOKIES=${SECURE_COOKIES:-false}
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-127.0.0.1,localhost,[::1],$HOST}
# huey logs every task it runs at INFO (a heartbeat a minute); warnings are enough here.
export HUEY_LOG_LEVEL=${HUEY_LOG_LEVEL:-WARNING}

display_host=$HOST
[ "$HOST" = "0.0.0.0" ] && display_host=127.0.0.1
url="http://$display_host:$PORT/"

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Rapport stopped."
}
trap cleanup INT TERM EXIT

"$BIN/rapport" run_huey &
pids+=($!)
"$BIN/gunicorn" config.wsgi:application --bind "$HOST:$PORT" --workers 2 --threads 4 \
  --access-logfile - --error-logfile - --log-level warning &
pids+=($!)

# Wait (at most 30 s) until the web server answers its health check.
"$BIN/python" - "${url}healthz" <<'EOF' || echo "The web server did not answer ${url}healthz yet."
import sys, time, urllib.error, urllib.request

deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    try:
        urllib.request.urlopen(sys.argv[1], timeout=2).close()
        sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)  # it answers, even if something is unwell; /healthz says what
    except OSError:
        time.sleep(0.3)
sys.exit(1)
EOF

echo
echo "Rapport is running at $url  (Ctrl-C stops the web server and the worker)"
echo "Health: ${url}healthz"
"$BIN/rapport" demo --logins
# Stop everything when either process ends on its own.
wait -n "${pids[@]}"
