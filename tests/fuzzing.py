"""How many examples the hypothesis tests run: bounded in the suite, many more in `make fuzz-properties`."""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, settings

#: `make fuzz-properties` sets this (examples per test); unset, each test runs its own small number.
FUZZ = int(os.environ.get("PETROGRAD_FUZZ_EXAMPLES", "0") or 0)


def examples(normal: int, **kwargs: Any) -> settings:
    """Settings for a property test: `normal` examples, or FUZZ when fuzzing."""
    return settings(
        max_examples=FUZZ or normal,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        **kwargs,
    )
