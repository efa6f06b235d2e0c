"""The job worker's entry point: `python -m config.worker` (or `rapport run_huey`).

Runs huey's consumer with the settings in config.settings.HUEY: SqliteHuey under var/ by
default, RedisHuey when REDIS_URL is set. Start as many as the load needs.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], "run_huey", *sys.argv[1:]])


if __name__ == "__main__":
    main()
