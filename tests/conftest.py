"""Suite-wide settings."""

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def onnx_cache_in_a_temporary_folder(tmp_path_factory):
    """ONNX exports made on the spot go to a folder of this test session, not the user's
    ~/.cache (subprocesses inherit the variable)."""
    previous = os.environ.get("DOSAKU_CACHE")
    os.environ["DOSAKU_CACHE"] = str(tmp_path_factory.mktemp("dosaku-cache"))
    yield
    if previous is None:
        os.environ.pop("DOSAKU_CACHE", None)
    else:
        os.environ["DOSAKU_CACHE"] = previous
