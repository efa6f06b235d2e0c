"""The job worker's entry point: `python -m config.worker` (or `rapport run_huey`).

Runs huey's consumer with the settings in config.settings.HUEY: SqliteHuey under var/ by
default, RedisHuey when REDIS_URL is set. A consumer is worker threads plus the scheduler
that enqueues periodic tasks once a minute. On Redis, start as many consumers as the load
needs, on as many machines, and pass `--no-periodic` to all but one so each periodic task
is enqueued once. Extra arguments go to huey (`--workers 4`, `--no-periodic`, ...).
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], "run_huey", *sys.argv[1:]])


if __name__ == "__main__":
    main()
