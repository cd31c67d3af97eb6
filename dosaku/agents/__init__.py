"""Players (layer 4): anything with ``select_move(state) -> move``, see :mod:`.base`.

Only light agents are re-exported here, so importing this package never pulls torch.
"""

from .base import RESIGN, Agent
from .random_agent import RandomAgent

__all__ = ["Agent", "RESIGN", "RandomAgent"]
