"""Models shipped inside the package, trained by dosaku's own code (card: models/README.md).

``builtin_model_path(9)`` is the AlphaGo Zero net that ``dosaku play`` and ``dosaku gtp`` load
when no ``--model`` is given; None where no model ships for that board size.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
BUILTIN = {9: "zero_9x9.safetensors"}


def builtin_model_path(size: int) -> Path | None:
    name = BUILTIN.get(size)
    path = HERE / name if name else None
    return path if path is not None and path.exists() else None
