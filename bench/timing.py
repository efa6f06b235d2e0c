"""Server time and query count of a request, in its response headers.

Only the bench's serving settings (`bench.serve_settings`) install this middleware, first
in the stack, so `Server-Timing: app;dur=…` is the whole request inside the WSGI worker
(middleware, view, template, database) and `X-Bench-Queries` the statements it issued —
counted with an execute wrapper, as DEBUG is off.
"""

from __future__ import annotations

import time

from django.db import connection


class ServerTimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        start = time.perf_counter()
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        elapsed = (time.perf_counter() - start) * 1000
        response["Server-Timing"] = f"app;dur={elapsed:.3f}"
        response["X-Bench-Queries"] = str(count)
        return response
