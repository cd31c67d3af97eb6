"""AlphaGo Zero (Silver et al. 2017): self-play -> replay buffer -> training -> evaluation.

- :mod:`.config`: :class:`ZeroConfig`, every knob of a run, saved in the run folder.
- :mod:`.selfplay`: many games at once in one process, their leaves batched into one network
  call per step; visit distributions as policy targets, game outcomes as value targets.
- :mod:`.buffer`: compressed shards on disk, a window of the last N games, uniform sampling
  with the 8 board symmetries.
- :mod:`.trainer`: policy cross-entropy + value MSE + L2, SGD with momentum.
- :mod:`.loop`: generations of the above, resumable at any moment (``kill -9`` included).
"""
