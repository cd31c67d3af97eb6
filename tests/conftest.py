"""Suite-wide settings."""

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def onnx_cache_in_a_temporary_folder(tmp_path_factory):
    """ONNX exports made on the spot go to a folder of this test session, not the user's
    ~/.cache, and ``auto`` does not time backends (subprocesses inherit the variables)."""
    settings = {"DOSAKU_CACHE": str(tmp_path_factory.mktemp("dosaku-cache")),
                # auto never times torch against ONNX Runtime here: which backend a test gets
                # must not depend on the machine (tests/agents/test_agents_backend.py times it)
                "DOSAKU_TIME_BACKENDS": "0"}
    previous = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    yield
    for name, value in previous.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
