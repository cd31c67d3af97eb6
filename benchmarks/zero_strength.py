"""Strength of an AlphaGo Zero checkpoint on 9×9: with search and as a raw policy, against the
random player and GNU Go, colours alternating, Chinese rules, Tromp-Taylor count after
clean-up.

Run: ``python benchmarks/zero_strength.py MODEL --games 20 --visits 64``.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import torch  # noqa: E402

from dosaku.agents.random_agent import RandomAgent  # noqa: E402
from dosaku.agents.spec import build_agent  # noqa: E402
from dosaku.nets import load_model  # noqa: E402
from dosaku.train.zero.evaluate import GNUGO_LEVEL_1, match, net_agent  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--games", type=int, default=20)
    parser.add_argument("--visits", type=int, default=64)
    parser.add_argument("--gnugo", action="store_true", help="also against GNU Go level 1")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    net = load_model(args.model)
    size, komi = net.config.board_size, 7.5
    rows = [("raw policy (1 visit)", "random", lambda s: net_agent(net, 1, s),
             lambda s: RandomAgent(s)),
            (f"search ({args.visits} visits)", "random", lambda s: net_agent(net, args.visits, s),
             lambda s: RandomAgent(s))]
    if args.gnugo:
        rows.append((f"search ({args.visits} visits)", "GNU Go level 1",
                     lambda s: net_agent(net, args.visits, s),
                     lambda s: build_agent(GNUGO_LEVEL_1)))
    print("| player | opponent | games | wins | win rate (95% interval) | s/game |")
    print("|---|---|---|---|---|---|")
    for label, opponent, make_a, make_b in rows:
        start = time.perf_counter()
        result = match(make_a, make_b, args.games, size, komi).summary()
        seconds = (time.perf_counter() - start) / args.games
        print(f"| {label} | {opponent} | {args.games} | {result['wins']:g} | "
              f"{result['win_rate']:.0%} ({result['win_rate_low']:.0%}–"
              f"{result['win_rate_high']:.0%}) | {seconds:.1f} |")


if __name__ == "__main__":
    main()
