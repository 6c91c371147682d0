"""The public facade of inboxready.dkim lists exactly what it exports."""

import inboxready.dkim as facade


def test_all_names_exist_once() -> None:
    assert all(hasattr(facade, name) for name in facade.__all__)
    assert len(set(facade.__all__)) == len(facade.__all__)
