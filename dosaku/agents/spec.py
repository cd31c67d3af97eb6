"""Agent specs: one string naming a player and its options, as ``dosaku match`` takes them.

Grammar: ``KIND`` or ``KIND:OPTIONS``.

- ``random`` or ``random:seed=3``: :class:`~dosaku.agents.random_agent.RandomAgent`.
- ``mcts:playouts=2000,seed=1`` or ``mcts:time=1``: the classical Monte-Carlo tree search of
  :mod:`dosaku.agents.mcts`; every option is a field of its ``MctsConfig`` (``key=value``
  pairs separated by commas; ``seed`` is the agent's random seed).
- ``gtp:COMMAND LINE``: an external engine, e.g.
  ``gtp:/usr/games/gnugo --mode gtp --level 10 --chinese-rules``; the rest of the string is
  split like a shell command line (no shell runs it).

A spec is a value: it is parsed once (errors name the bad part) and built into a fresh agent
for every game, so each game gets its own engine process and its own seed.
"""

from __future__ import annotations

import dataclasses
import shlex
import typing
from dataclasses import dataclass

from dosaku.agents.base import Agent

KINDS = ("random", "mcts", "gtp")


@dataclass(frozen=True)
class AgentSpec:
    """A parsed agent spec (see the module docstring)."""

    kind: str
    """One of :data:`KINDS`."""
    options: tuple[tuple[str, str], ...] = ()
    """``key=value`` options of an internal agent, in the order written."""
    command: tuple[str, ...] = ()
    """The command line of a ``gtp`` engine."""
    text: str = ""
    """The spec as written: the player's identity in match results and ratings."""

    @property
    def option_dict(self) -> dict[str, str]:
        return dict(self.options)


def parse_spec(text: str) -> AgentSpec:
    """Parse an agent spec; ValueError naming the problem (unknown kind, bad option, ...)."""
    kind, _, rest = text.strip().partition(":")
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise ValueError(f"unknown player kind {kind!r} in {text!r}; known: {', '.join(KINDS)}")
    if kind == "gtp":
        command = tuple(shlex.split(rest))
        if not command:
            raise ValueError(f"{text!r}: gtp needs a command line, e.g. "
                             f"gtp:/usr/games/gnugo --mode gtp --level 10 --chinese-rules")
        return AgentSpec("gtp", command=command, text=text.strip())
    options = []
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise ValueError(f"{text!r}: option {item!r} is not key=value")
        options.append((key.strip(), value.strip()))
    spec = AgentSpec(kind, options=tuple(options), text=text.strip())
    check_options(spec)
    return spec


def check_options(spec: AgentSpec) -> None:
    """ValueError if an option is unknown for the spec's kind or its value does not convert."""
    if spec.kind == "random":
        unknown = set(spec.option_dict) - {"seed"}
        if unknown:
            raise ValueError(f"{spec.text!r}: random takes only seed=, not {sorted(unknown)}")
        if "seed" in spec.option_dict:
            convert("seed", spec.option_dict["seed"], int)
    elif spec.kind == "mcts":
        mcts_config(spec)


def convert(key: str, value: str, kind: type) -> typing.Any:
    """``value`` as ``kind`` (int, float, bool, str); ValueError naming ``key``."""
    try:
        if kind is bool:
            if value.lower() not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError(value)
            return value.lower() in ("1", "true", "yes")
        return kind(value)
    except ValueError:
        raise ValueError(f"option {key}={value!r} is not a {kind.__name__}") from None


def scalar_fields(cls) -> dict[str, type]:
    """Fields of a config dataclass that a spec option can set: name -> int/float/bool/str."""
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)
            if hints[f.name] in (int, float, bool, str)}


def mcts_config(spec: AgentSpec):
    """The ``MctsConfig`` the options of an ``mcts`` spec describe (``seed`` aside): fields of
    ``MctsConfig`` or of its search config ``UctConfig``, by name."""
    from dosaku.agents.mcts import MctsConfig, replace_options
    from dosaku.search.uct import UctConfig

    known = scalar_fields(MctsConfig) | scalar_fields(UctConfig)
    values = {}
    for key, value in spec.options:
        if key == "seed":
            convert(key, value, int)
            continue
        if key not in known:
            raise ValueError(f"{spec.text!r}: unknown mcts option {key!r}; known: seed, "
                             f"{', '.join(sorted(known))}")
        values[key] = convert(key, value, known[key])
    try:
        return replace_options(MctsConfig(), **values)
    except ValueError as e:
        raise ValueError(f"{spec.text!r}: {e}") from None


def build_agent(spec: AgentSpec | str, seed: int | None = None, timeout: float = 60.0) -> Agent:
    """A fresh agent for one game. ``seed`` is used unless the spec sets its own; ``timeout``
    bounds each answer of an external engine. An engine that cannot start raises
    :class:`~dosaku.agents.gtp_agent.EngineFailure`."""
    spec = parse_spec(spec) if isinstance(spec, str) else spec
    if spec.kind == "gtp":
        from dosaku.agents.gtp_agent import GtpAgent
        return GtpAgent(spec.command, timeout=timeout)
    if "seed" in spec.option_dict:
        seed = int(spec.option_dict["seed"])
    if spec.kind == "random":
        from dosaku.agents.random_agent import RandomAgent
        return RandomAgent(seed)
    from dosaku.agents.mcts import MctsAgent
    return MctsAgent(mcts_config(spec), seed=seed)


def with_options(text: str, **options) -> AgentSpec:
    """Parse ``text`` and add the ``options`` that are not None (command-line overrides such as
    ``dosaku gtp --player mcts --playouts 5000``). ValueError if the kind does not take them."""
    spec = parse_spec(text)
    extra = tuple((k, str(v)) for k, v in options.items() if v is not None)
    if not extra:
        return spec
    if spec.kind != "mcts":
        raise ValueError(f"{', '.join('--' + k for k, _ in extra)} only apply to mcts players, "
                         f"not {spec.kind}")
    kept = tuple((k, v) for k, v in spec.options if k not in dict(extra))
    body = ",".join(f"{k}={v}" for k, v in kept + extra)
    return parse_spec(f"{spec.kind}:{body}")
