"""The public facade: every name in inboxready.spf.__all__ exists."""

import inboxready.spf as spf


def test_all_names_exist() -> None:
    assert sorted(spf.__all__) == spf.__all__
    for name in spf.__all__:
        assert hasattr(spf, name), name
