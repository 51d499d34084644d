"""The published texts of shared/samples that parser and import tests read.

They sit beside the checkout, not in it. Where they are missing a test skips with the reason,
except in CI (CI_REQUIRE_SERVICES=1), where a missing sample is a failure, as a missing
service is.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REQUIRE = os.environ.get("CI_REQUIRE_SERVICES") == "1"


def samples_dir() -> Path:
    override = os.environ.get("SAMPLES_DIR")
    return (
        Path(override) if override else Path(__file__).resolve().parents[2] / "shared" / "samples"
    )


def require_sample(name: str) -> Path:
    """The sample's path; skips (or, in CI, fails) the test when it is not there."""
    path = samples_dir() / name
    if not path.is_file():
        reason = f"sample {name} not found in {path.parent} (set SAMPLES_DIR)"
        if REQUIRE:
            pytest.fail(f"CI requires the sample texts: {reason}")
        pytest.skip(reason)
    return path
