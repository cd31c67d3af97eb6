"""AlphaGo (Silver et al. 2016), the supervised stages: the SL policy network and the fast
rollout policy, both learned from expert games.

- :mod:`.config`: :class:`SLConfig` and :class:`RolloutConfig`, every knob of a run, typed,
  saved in the run folder and in every checkpoint.
- :mod:`.positions`: the split of games into training and held-out (whole games, never
  positions of one game on both sides) and the stream of training positions, parsed and
  encoded in worker processes.
- :mod:`.run_folder`: the run folder (config, checkpoints, metrics, TensorBoard) and its
  atomic writes, so a killed run resumes from the last checkpoint.
- :mod:`.sl`: the SL policy network, cross-entropy on the expert move ("Supervised learning
  of policy networks").
- :mod:`.rollout`: the linear softmax rollout policy, SGD over its sparse features
  ("Rollout policy").
- :mod:`.accuracy`: move-prediction accuracy (top-1, top-5) and value MSE over game records,
  the yardsticks of both stages and of ``dosaku eval``.
"""
