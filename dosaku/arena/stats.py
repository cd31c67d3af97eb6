"""Match statistics: win rates with Wilson intervals, Elo differences, Bradley-Terry ratings.

- *Score* counts a win as 1, a draw as 1/2. The 95% interval of a score rate is Wilson's
  (Wilson 1927, "Probable inference, the law of succession, and statistical inference"), which
  stays inside [0, 1] and is sound for few games and for rates near 0 or 1.
- *Elo difference* D and expected score E are related by E = 1 / (1 + 10^(-D / 400)). A match's
  D comes from its score rate, and the ends of its interval from the ends of the Wilson
  interval (the map is monotonic). A rate of 0 or 1 gives an infinite point estimate but a
  finite interval end.
- *Bradley-Terry* ratings (Bradley and Terry 1952) fit many players at once by maximum
  likelihood of P(i beats j) = 1 / (1 + 10^((r_j - r_i) / 400)). As in Rémi Coulom's BayesElo,
  every pair of players that met gets ``prior_draws`` virtual draws, which keeps ratings finite
  after a clean sweep. One player, the *anchor*, is fixed at 0; the intervals are ±1.96 standard
  errors from the inverse Hessian of the log-likelihood with the anchor held fixed.
"""

from __future__ import annotations

import math
import shlex
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

Z95 = 1.959963984540054
ELO_PER_NAT = 400 / math.log(10)  # Elo points per unit of the natural-log rating scale


def wilson_interval(score: float, games: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a rate ``score / games``; (0, 1) when there are no games."""
    if games <= 0:
        return 0.0, 1.0
    p = score / games
    denominator = 1 + z * z / games
    centre = (p + z * z / (2 * games)) / denominator
    half = z * math.sqrt(p * (1 - p) / games + z * z / (4 * games * games)) / denominator
    low = 0.0 if score <= 0 else max(0.0, centre - half)  # exact ends: no rounding dust
    high = 1.0 if score >= games else min(1.0, centre + half)
    return low, high


def elo_difference(rate: float) -> float:
    """The Elo difference whose expected score is ``rate`` (±inf at 1 and 0)."""
    if rate <= 0:
        return -math.inf
    if rate >= 1:
        return math.inf
    return -400 * math.log10(1 / rate - 1)


@dataclass(frozen=True)
class MatchResult:
    """A score (wins, draws counting 1/2) over a match, summarised the way a training run's
    metrics.jsonl stores it: rate, Elo, and both with 95% intervals (Elo clipped at
    0.1% / 99.9% so that 10 of 10 stays finite)."""

    wins: float
    games: int

    @property
    def win_rate(self) -> float:
        return self.wins / self.games if self.games else 0.5

    def summary(self) -> dict:
        low, high = wilson_interval(self.wins, self.games)
        def elo(rate: float) -> float:  # clipped: 10 of 10 is not infinitely strong
            return elo_difference(min(max(rate, 1e-3), 1 - 1e-3)) + 0.0

        return {"wins": self.wins, "games": self.games, "win_rate": self.win_rate,
                "win_rate_low": low, "win_rate_high": high, "elo": elo(self.win_rate),
                "elo_low": elo(low), "elo_high": elo(high)}


@dataclass(frozen=True)
class MatchStats:
    """One player's result against another over a match."""

    wins: int
    losses: int
    draws: int

    @property
    def games(self) -> int:
        return self.wins + self.losses + self.draws

    @property
    def score(self) -> float:
        return self.wins + 0.5 * self.draws

    @property
    def rate(self) -> float:
        return self.score / self.games if self.games else math.nan

    @property
    def interval(self) -> tuple[float, float]:
        """95% Wilson interval of the score rate."""
        return wilson_interval(self.score, self.games)

    @property
    def elo(self) -> float:
        return elo_difference(self.rate) if self.games else math.nan

    @property
    def elo_interval(self) -> tuple[float, float]:
        low, high = self.interval
        return elo_difference(low), elo_difference(high)


# -- Bradley-Terry ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Rating:
    """A player's fitted rating."""

    player: str
    elo: float
    """Elo relative to the anchor of its group (the anchor itself: 0)."""
    error: float
    """Half-width of the 95% interval (0 for the anchor)."""
    games: int
    score: float
    """Points scored (wins + draws / 2), real games only."""
    anchor: str
    """The player this rating is relative to."""


def is_gnugo_level_10(player: str) -> bool:
    """True for a spec running GNU Go at level 10 (its default level when none is given)."""
    words = shlex.split(player.partition(":")[2]) if ":" in player else shlex.split(player)
    if not words or "gnugo" not in words[0].lower():
        return False
    for i, word in enumerate(words):
        if word == "--level":
            return i + 1 < len(words) and words[i + 1] == "10"
        if word.startswith("--level="):
            return word.split("=", 1)[1] == "10"
    return True


def components(pairs: Iterable[tuple[str, str]], players: list[str]) -> list[list[str]]:
    """Groups of players connected by games, each in the order of ``players``."""
    links: dict[str, set[str]] = defaultdict(set)
    for a, b in pairs:
        links[a].add(b)
        links[b].add(a)
    seen: set[str] = set()
    groups = []
    for p in players:
        if p in seen:
            continue
        stack, group = [p], set()
        while stack:
            q = stack.pop()
            if q not in group:
                group.add(q)
                stack.extend(links[q] - group)
        seen |= group
        groups.append([x for x in players if x in group])
    return groups


def bradley_terry(results: Iterable[tuple[str, str, float]], anchor: str | None = None,
                  prior_draws: float = 2.0) -> list[Rating]:
    """Ratings from ``(player_a, player_b, score_of_a)`` results (score 1, 0 or 0.5).

    ``anchor`` (default: a GNU Go level 10 spec if one played) is fixed at 0 in its group of
    connected players; any other group is anchored at its most active player. Games of a
    player against itself are ignored. Sorted by rating within each group, strongest first.
    """
    n: dict[tuple[str, str], float] = defaultdict(float)  # games, keyed (a, b) with a < b
    s: dict[tuple[str, str], float] = defaultdict(float)  # a's score in them
    played: dict[str, int] = defaultdict(int)
    points: dict[str, float] = defaultdict(float)
    for a, b, score in results:
        if a == b:
            continue
        played[a] += 1
        played[b] += 1
        points[a] += score
        points[b] += 1 - score
        key, mine = ((a, b), score) if a < b else ((b, a), 1 - score)
        n[key] += 1
        s[key] += mine
    players = sorted(played, key=lambda p: (-played[p], p))
    if anchor is None:
        anchor = next((p for p in players if is_gnugo_level_10(p)), None)
    ratings = []
    for group in components(n, players):
        root = anchor if anchor in group else group[0]
        elo, err = _fit_group(group, root, n, s, prior_draws)
        ratings += sorted((Rating(p, elo[p], err[p], played[p], points[p], root) for p in group),
                          key=lambda r: -r.elo)
    return ratings


def _fit_group(group: list[str], root: str, n, s, prior: float, steps: int = 100):
    """Newton's method on the concave log-likelihood; (elo, 95% half-width) per player."""
    index = {p: i for i, p in enumerate(p for p in group if p != root)}
    k = len(index)
    members = set(group)
    pairs = [(a, b, n[a, b] + prior, s[a, b] + prior / 2) for a, b in n if a in members]
    theta = np.zeros(k)
    hessian = np.zeros((k, k))
    for _ in range(steps):
        grad = np.zeros(k)
        hessian[:] = 0
        for a, b, games, score in pairs:
            ta = theta[index[a]] if a in index else 0.0
            tb = theta[index[b]] if b in index else 0.0
            p = 1 / (1 + math.exp(tb - ta))
            g, w = score - games * p, games * p * (1 - p)
            for x, sign in ((a, 1), (b, -1)):
                if x in index:
                    grad[index[x]] += sign * g
                    hessian[index[x], index[x]] -= w
            if a in index and b in index:
                hessian[index[a], index[b]] += w
                hessian[index[b], index[a]] += w
        if k == 0:
            break
        step = np.linalg.solve(hessian, grad)
        theta -= np.clip(step, -2.0, 2.0)  # damped: a far start should not overshoot
        if np.max(np.abs(step)) < 1e-9:
            break
    sigma = np.sqrt(np.diag(np.linalg.inv(-hessian))) if k else np.zeros(0)
    elo = {p: ELO_PER_NAT * theta[i] for p, i in index.items()}
    err = {p: Z95 * ELO_PER_NAT * sigma[i] for p, i in index.items()}
    elo[root], err[root] = 0.0, 0.0
    return elo, err
