"""The demo organisation is built by steps that each app registers in its `demo.py`.

    from rapport.core.demo import demo_step

    @demo_step(order=20)
    def customers(ctx): ...

`ctx` is a DemoContext shared by all steps: earlier steps leave what later ones need
(users, teams) in it. Steps must be idempotent-safe: `rapport demo` refuses to run twice
unless --reset is given, so steps may assume an empty database for their own models.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.module_loading import autodiscover_modules


@dataclass
class DemoContext:
    actor: Any = None
    rng: random.Random = field(default_factory=lambda: random.Random(20261123))
    users: dict[str, Any] = field(default_factory=dict)
    teams: dict[str, Any] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # username, password, role
    stdout: Any = None

    def say(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message)


@dataclass(frozen=True)
class DemoStep:
    name: str
    order: int
    run: Callable[[DemoContext], None]


_steps: list[DemoStep] = []


def demo_step(order: int = 100) -> Callable:
    def decorate(func: Callable[[DemoContext], None]) -> Callable[[DemoContext], None]:
        name = f"{func.__module__}.{func.__name__}"
        if all(step.name != name for step in _steps):
            _steps.append(DemoStep(name=name, order=order, run=func))
        return func

    return decorate


def steps() -> list[DemoStep]:
    return sorted(_steps, key=lambda step: (step.order, step.name))


def autodiscover() -> None:
    autodiscover_modules("demo")
