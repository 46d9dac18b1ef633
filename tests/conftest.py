from __future__ import annotations

from pathlib import Path

import pytest

from releasebuild.testing import ReleaseFixture, conversation, make_release


@pytest.fixture
def small_release(tmp_path: Path) -> ReleaseFixture:
    """Two families of a dozen conversations each, sharing session groups, plus one malformed line."""
    alpha = [conversation(f"a{i:02d}", f"sa{i // 3}", turns=2 + i % 3) for i in range(12)]
    beta = [conversation(f"b{i:02d}", f"sb{i // 2}", topic="grief") for i in range(12)] + ["{not json"]
    return make_release(tmp_path / "rel", {"alpha": alpha, "beta": beta})
