"""The AlphaGo Zero player: a checkpoint behind NetEvaluator behind PuctAgent.

``zero_agent()`` with no path loads the built-in model for the board size (see
:mod:`dosaku.models`). Play settings follow AlphaGo Zero's evaluation games: no root noise,
the most visited move, a random board symmetry per evaluation.
"""

from __future__ import annotations

from pathlib import Path

from dosaku.models import builtin_model_path
from dosaku.search.puct import SearchConfig

from .net_evaluator import NetEvaluator
from .puct_agent import PuctAgent, ThinkingLimits


def zero_agent(model: str | Path | None = None, size: int = 9, visits: int = 400,
               seconds: float | None = None, batch_size: int = 8,
               resign_threshold: float = -0.95, seed: int | None = None,
               backend: str = "auto", precision: str = "auto") -> PuctAgent:
    """A PuctAgent over the checkpoint ``model`` (default: the built-in one for ``size``),
    run by ``backend`` in ``precision`` (default ``auto``: the fastest variant the model's
    accuracy gate passed on this machine, else torch fp32; see
    :func:`dosaku.nets.inference.runner.resolve_auto`).

    Raises FileNotFoundError if no model is given and none ships for ``size``.
    """
    path = Path(model) if model is not None else builtin_model_path(size)
    if path is None:
        raise FileNotFoundError(f"no built-in model for {size}x{size}; pass model=PATH")
    evaluator = NetEvaluator(path, symmetry="random", seed=seed, backend=backend,
                             precision=precision, batch_size=batch_size)
    n = evaluator.size
    config = SearchConfig(batch_size=batch_size, resign_threshold=resign_threshold,
                          min_pass_move=n * n // 2, tidy_pass=True)
    return PuctAgent(evaluator, config,
                     ThinkingLimits(visits=visits, seconds=seconds), seed=seed, name="zero")
