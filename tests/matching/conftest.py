import pytest

from matchmaking.matching.runtime import holder


@pytest.fixture
def fresh_engine():
    """The engine is process-wide: start a test from the database it sets up, and leave no
    engine built from that test's rows to the next one."""
    holder.reset()
    yield
    holder.reset()
