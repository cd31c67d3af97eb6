"""Models shipped inside the package, trained by dosaku's own code (card: models/README.md).

``builtin_model_path(9)`` is the AlphaGo Zero net that ``zero:`` players load when no
``model=`` is given; None where no model ships for that board size. ``builtin_alphago_dir()``
holds the 2016 pipeline's 19x19 nets (``policy``, ``value``, ``rollout`` ``.safetensors``) that
``alphago:`` players load when given no model file.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
BUILTIN = {9: "zero_9x9.safetensors"}
ALPHAGO_DIR = HERE / "alphago_19x19"


def builtin_model_path(size: int) -> Path | None:
    name = BUILTIN.get(size)
    path = HERE / name if name else None
    return path if path is not None and path.exists() else None


def builtin_alphago_dir() -> Path | None:
    shipped = ALPHAGO_DIR.is_dir() and any(ALPHAGO_DIR.glob("*.safetensors"))
    return ALPHAGO_DIR if shipped else None
