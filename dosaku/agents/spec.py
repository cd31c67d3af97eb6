"""Agent specs: one string naming a player and its options, as ``dosaku match`` takes them.

Grammar: ``KIND`` or ``KIND:OPTIONS``.

- ``random`` or ``random:seed=3``: :class:`~dosaku.agents.random_agent.RandomAgent`.
- ``mcts:playouts=2000,seed=1`` or ``mcts:time=1``: the classical Monte-Carlo tree search of
  :mod:`dosaku.agents.mcts`; every option is a field of its ``MctsConfig`` (``key=value``
  pairs separated by commas; ``seed`` is the agent's random seed).
- ``zero:model=PATH,visits=400`` or ``zero:time=1``: the AlphaGo Zero player, PUCT over a
  dual-head checkpoint (:func:`~dosaku.agents.zero_agent.zero_agent`); without ``model`` the
  built-in 9×9 net.
- ``puct:model=PATH,...``: the same search with every knob open; without ``model`` the leaves
  are valued by random rollouts (``rollouts=`` per leaf), a knowledge-free PUCT player.
- ``alphago:policy=PATH,value=PATH,rollout=PATH|default,lambda=0.5,n_thr=0,visits=N``: AlphaGo
  (Silver et al. 2016): SL policy net priors, leaf value (1-λ)·v + λ·z with v from the value
  net and z from playouts of the fast rollout policy (``rollout=default``, or no ``rollout``:
  light random playouts, until a trained rollout policy ships), expansion after n_thr visits.
  ``model_dir=DIR`` (or ``dosaku gtp --model-dir DIR``) fills in the files the spec does not
  name from ``DIR/policy.safetensors``, ``DIR/value.safetensors`` and
  ``DIR/rollout.safetensors`` (each where it exists; see :data:`MODEL_DIR_FILES`). A spec
  that names none of them plays with the 19x19 nets shipped in the package
  (:func:`dosaku.models.builtin_alphago_dir`, card in ``models/README.md``).
- ``gtp:COMMAND LINE``: an external engine, e.g.
  ``gtp:/usr/games/gnugo --mode gtp --level 10 --chinese-rules``; the rest of the string is
  split like a shell command line (no shell runs it).

The searching kinds (``zero``, ``puct``, ``alphago``) share their options: ``visits``, ``time``
(seconds per move; with ``time`` alone the visits are unbounded), ``temperature``, ``symmetry``
(none, random, average) of the network evaluations, ``seed``, and every field of
:class:`~dosaku.search.puct.SearchConfig` by name (``batch_size``, ``c_puct_init``,
``resign_threshold``, ``expansion_threshold``, ...); ``batch`` and ``n_thr`` are short for
``batch_size`` and ``expansion_threshold``; ``backend`` (torch, onnxruntime, auto) and
``precision`` (fp32, bf16, fp16, int8, auto) choose how the net runs (:mod:`dosaku.nets.inference`;
int8 and auto read the files ``dosaku quantize`` keeps beside the checkpoint). Both default to
``auto``: the fastest variant that passed the accuracy gate recorded for that checkpoint on
this machine, and plain torch fp32 for a checkpoint with no record (or one measured on
another machine). ``zero`` and ``alphago`` play with ``tidy_pass`` on and resign as their
papers did (``resign_threshold`` -0.95 and -0.8, judged on a root of at least
``resign_min_visits`` = 32 simulations; ``resign_threshold=-1`` never resigns).
Model files are checked to exist when the spec is parsed and loaded for each game.

A spec is a value: it is parsed once (errors name the bad part) and built into a fresh agent
for every game, so each game gets its own engine process and its own seed.
"""

from __future__ import annotations

import dataclasses
import shlex
import typing
from dataclasses import dataclass
from pathlib import Path

from dosaku.agents.base import Agent

KINDS = ("random", "mcts", "gtp", "zero", "puct", "alphago")
SEARCHING = ("zero", "puct", "alphago")
"""Kinds played by :class:`~dosaku.agents.puct_agent.PuctAgent`."""

ALIASES = {"batch": "batch_size", "n_thr": "expansion_threshold", "lambda": "mixing",
           "seconds": "time"}
"""Short option names of the searching kinds -> their canonical names."""

SEARCH_OPTIONS = {"visits": int, "time": float, "temperature": float, "symmetry": str,
                  "seed": int, "backend": str, "precision": str}
"""Options every searching kind takes besides the SearchConfig fields."""

KIND_OPTIONS = {
    "zero": {"model": Path},
    "puct": {"model": Path, "rollouts": int},
    "alphago": {"policy": Path, "value": Path, "rollout": str, "mixing": float,
                "rollouts": int, "model_dir": str},
}
"""Options of one searching kind: model files and evaluator settings."""

MODEL_DIR_FILES = {"policy": "policy.safetensors", "value": "value.safetensors",
                   "rollout": "rollout.safetensors"}
"""The files an alphago ``model_dir`` may hold, by option: the prior policy (the SL net, as in
the paper, or the RL net), the value net, the rollout policy's weights."""

MODEL_FILE_OPTIONS = frozenset(MODEL_DIR_FILES) | {"model_dir"}
"""An alphago spec that names none of these plays with the built-in 19x19 nets."""

ALPHAGO_DEFAULTS = {"c_puct_init": 5.0, "mixing": 0.5, "rollouts": 1}
"""AlphaGo's published settings (Silver et al. 2016, Methods: c_puct = 5, λ = 0.5, one
rollout per leaf evaluation) where the alphago spec does not set them."""


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
    elif spec.kind in SEARCHING:
        search_options(spec)


def convert(key: str, value: str, kind: type) -> typing.Any:
    """``value`` as ``kind`` (int, float, bool, str, or Path: an existing file); ValueError
    naming ``key``."""
    if kind is Path:
        if not Path(value).is_file():
            raise ValueError(f"option {key}={value!r}: no such file")
        return Path(value)
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


def search_options(spec: AgentSpec) -> dict[str, typing.Any]:
    """The options of a ``zero``/``puct``/``alphago`` spec by canonical name, converted, with
    the kind's defaults filled in; SearchConfig fields are checked by building the config.
    ValueError naming the bad option."""
    from dosaku.search.puct import SearchConfig

    fields = scalar_fields(SearchConfig) | {"dirichlet_alpha": float}
    known = SEARCH_OPTIONS | KIND_OPTIONS[spec.kind] | fields
    values: dict[str, typing.Any] = dict(ALPHAGO_DEFAULTS) if spec.kind == "alphago" else {}
    for written, value in spec.options:
        key = ALIASES.get(written, written)
        if key not in known:
            names = sorted(set(known) | {a for a, k in ALIASES.items() if k in known})
            raise ValueError(f"{spec.text!r}: unknown {spec.kind} option {written!r}; "
                             f"known: {', '.join(names)}")
        try:
            values[key] = convert(written, value, known[key])
        except ValueError as e:
            raise ValueError(f"{spec.text!r}: {e}") from None
    if spec.kind == "alphago" and not MODEL_FILE_OPTIONS & values.keys():
        from dosaku.models import builtin_alphago_dir
        builtin = builtin_alphago_dir()  # the shipped 19x19 nets (models/README.md)
        if builtin is not None:
            values["model_dir"] = str(builtin)
    if "model_dir" in values:
        try:
            values = {**model_dir_files(values.pop("model_dir")), **values}
        except ValueError as e:
            raise ValueError(f"{spec.text!r}: {e}") from None
    problem = option_problem(spec.kind, values)
    if problem:
        raise ValueError(f"{spec.text!r}: {problem}")
    try:
        search_config(values)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{spec.text!r}: {e}") from None
    return values


def model_dir_files(directory: str) -> dict[str, typing.Any]:
    """The :data:`MODEL_DIR_FILES` found in ``directory`` as alphago options (``policy`` and
    ``value`` as Paths, ``rollout`` as a string). ValueError if it is not a directory or holds
    none of them."""
    root = Path(directory)
    if not root.is_dir():
        raise ValueError(f"option model_dir={directory!r}: no such directory")
    found = {key: root / name for key, name in MODEL_DIR_FILES.items()
             if (root / name).is_file()}
    if not found:
        raise ValueError(f"option model_dir={directory!r} holds none of "
                         f"{', '.join(MODEL_DIR_FILES.values())}")
    if "rollout" in found:
        found["rollout"] = str(found["rollout"])
    return found


def with_model_dir(text: str, directory: str | Path) -> str:
    """``text`` (an alphago spec) with ``model_dir=directory`` added (``dosaku gtp
    --model-dir``); ValueError for another kind of player."""
    kind, _, rest = text.strip().partition(":")  # parsed with the directory's files below
    if kind.strip().lower() != "alphago":
        raise ValueError(f"--model-dir applies to alphago players, not {kind.strip()}")
    return f"alphago:{rest + ',' if rest.strip() else ''}model_dir={directory}"


def option_problem(kind: str, values: dict[str, typing.Any]) -> str | None:
    """What is wrong with the values of a searching spec beyond their types, or None."""
    if values.get("symmetry", "random") not in ("none", "random", "average"):
        return f"option symmetry={values['symmetry']!r} is not none, random or average"
    if values.get("backend", "auto") not in ("torch", "onnxruntime", "auto"):
        return f"option backend={values['backend']!r} is not torch, onnxruntime or auto"
    if values.get("precision", "auto") not in ("fp32", "bf16", "fp16", "int8", "auto"):
        return f"option precision={values['precision']!r} is not fp32, bf16, fp16, int8 or auto"
    for key in ("visits", "rollouts"):
        if key in values and values[key] < 1:
            return f"option {key}={values[key]} must be at least 1"
    if "time" in values and not values["time"] > 0:
        return f"option time={values['time']} must be positive"
    if not 0.0 <= values.get("mixing", 0.0) <= 1.0:
        return f"option lambda={values['mixing']} must be in [0, 1]"
    if kind == "alphago":
        if values.get("mixing", 0.5) < 1.0 and "value" not in values:
            return "option value= (a value net) is needed unless lambda=1"
        rollout = values.get("rollout", "default")
        if rollout != "default" and not Path(rollout).is_file():
            return f"option rollout={rollout!r}: no such file (or 'default')"
    return None


def search_config(values: dict[str, typing.Any]):
    """The SearchConfig named by the SearchConfig fields among ``values``."""
    from dosaku.search.puct import SearchConfig

    names = {f.name for f in dataclasses.fields(SearchConfig)}
    return SearchConfig(**{k: v for k, v in values.items() if k in names})


def thinking_limits(values: dict[str, typing.Any], default_visits: int = 800):
    """ThinkingLimits of a searching spec: with ``time`` alone the visits are unbounded."""
    from dosaku.agents.puct_agent import ThinkingLimits

    visits = values.get("visits", 10**9 if "time" in values else default_visits)
    return ThinkingLimits(visits=visits, seconds=values.get("time"),
                          temperature=values.get("temperature", 0.0))


ALPHAGO_RESIGN = -0.8
"""Where an ``alphago`` player resigns: AlphaGo "resigns when its overall evaluation drops
below an estimated 10% probability of winning the game, i.e., max_a Q(s, a) < -0.8" (Silver
et al. 2016, Methods, "Evaluating the playing strength of AlphaGo"). The root's Q mixes the
value net and the rollouts, so a weak value net alone cannot end a game; without it a lost
19x19 game ran to the 500-move cap (models/README.md)."""


def build_searcher(spec: AgentSpec, seed: int | None) -> Agent:
    """A PuctAgent for a ``zero``, ``puct`` or ``alphago`` spec (models loaded here)."""
    from dosaku.agents.puct_agent import PuctAgent

    values = search_options(spec)
    if spec.kind == "alphago":
        evaluator, size = alphago_evaluator(spec, values, seed)
        default_visits = 800
    else:
        evaluator, size = zero_evaluator(spec, values, seed)
        default_visits = 400 if spec.kind == "zero" else 800
    if spec.kind == "zero":  # AlphaGo Zero's play settings, as zero_agent() has them
        values.setdefault("resign_threshold", -0.95)
        values.setdefault("min_pass_move", size * size // 2)
    if spec.kind == "alphago":
        values.setdefault("resign_threshold", ALPHAGO_RESIGN)
    if spec.kind in ("zero", "alphago"):
        # never pass away a game on an unsettled board: a referee counts the board as it
        # stands after the clean-up, and the AlphaGo nets, trained on human games that end
        # by agreement, passed while GNU Go's clean-up moves captured their stones
        values.setdefault("tidy_pass", True)
    return PuctAgent(evaluator, search_config(values), thinking_limits(values, default_visits),
                     seed=seed, name=spec.kind, board_size=size)


def zero_evaluator(spec: AgentSpec, values: dict[str, typing.Any], seed: int | None):
    """(evaluator, board size or None) of a ``zero``/``puct`` spec: NetEvaluator over its
    ``model`` (zero: the built-in one by default), else random rollouts."""
    from dosaku.search.evaluator import RolloutEvaluator

    if spec.kind == "zero" and "model" not in values:
        from dosaku.models import builtin_model_path
        values["model"] = builtin_model_path(9)
        if values["model"] is None:
            raise ValueError(f"{spec.text!r}: no built-in model ships; give model=PATH")
    if "model" not in values:
        return RolloutEvaluator(values.get("rollouts", 8), seed=seed or 0), None
    evaluator = net_evaluator(values["model"], values, seed)
    return evaluator, evaluator.size


def net_evaluator(path, values: dict[str, typing.Any], seed: int | None):
    """A NetEvaluator over the checkpoint ``path`` as the spec's options say (``backend`` and
    ``precision`` default to ``auto``, which reads the gate record beside the file); the file
    is loaded once, here, and a bad one raises its clear CheckpointError now."""
    from dosaku.agents.net_evaluator import NetEvaluator

    return NetEvaluator(path, symmetry=values.get("symmetry", "random"), seed=seed,
                        backend=values.get("backend", "auto"),
                        precision=values.get("precision", "auto"),
                        batch_size=search_config(values).batch_size)


def alphago_evaluator(spec: AgentSpec, values: dict[str, typing.Any], seed: int | None):
    """(MixedEvaluator, board size or None) of an ``alphago`` spec: SL policy priors (uniform
    without ``policy``), value net v, rollout z."""
    from dosaku.search.evaluator import MixedEvaluator, RolloutEvaluator, UniformEvaluator

    weights = None
    if values.get("rollout", "default") != "default":
        from dosaku.features.rollout import load_rollout_weights
        weights = load_rollout_weights(values["rollout"])
    rollouts = RolloutEvaluator(values["rollouts"], seed=seed or 0, policy=weights)
    evaluators = {k: net_evaluator(values[k], values, seed)
                  for k in ("policy", "value") if k in values}
    sizes = {e.size for e in evaluators.values()}
    if len(sizes) > 1:
        raise ValueError(f"{spec.text!r}: the policy and value nets play different board "
                         f"sizes {sorted(sizes)}")
    evaluator = MixedEvaluator(evaluators.get("policy", UniformEvaluator()),
                               evaluators.get("value", UniformEvaluator()), rollouts,
                               values["mixing"])
    return evaluator, (sizes.pop() if sizes else None)


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
    if spec.kind in SEARCHING:
        return build_searcher(spec, seed)
    from dosaku.agents.mcts import MctsAgent
    return MctsAgent(mcts_config(spec), seed=seed)


OVERRIDES = {"mcts": {"playouts": "playouts", "visits": "playouts", "time": "time"},
             **{kind: {"playouts": "visits", "visits": "visits", "time": "time"}
                for kind in SEARCHING}}
"""Command-line flag -> option, per kind: ``--playouts`` and ``--visits`` both set the
per-move simulation budget of whatever search the player runs."""


def with_options(text: str, **options) -> AgentSpec:
    """Parse ``text`` and add the ``options`` that are not None (command-line overrides such as
    ``dosaku gtp --player mcts --playouts 5000``). ValueError if the kind does not take them."""
    spec = parse_spec(text)
    given = [(k, v) for k, v in options.items() if v is not None]
    if not given:
        return spec
    if spec.kind not in OVERRIDES:
        raise ValueError(f"{', '.join('--' + k for k, _ in given)} only apply to "
                         f"{', '.join(OVERRIDES)} players, not {spec.kind}")
    extra = tuple((OVERRIDES[spec.kind][k], str(v)) for k, v in given)
    if len(dict(extra)) < len(extra):
        raise ValueError(f"{', '.join('--' + k for k, _ in given)} set the same option twice")
    # a spec's alias (seconds=, batch=) and the override's name must not both survive
    extra_keys = {ALIASES.get(k, k) for k, _ in extra}
    kept = tuple((k, v) for k, v in spec.options if ALIASES.get(k, k) not in extra_keys)
    body = ",".join(f"{k}={v}" for k, v in kept + extra)
    return parse_spec(f"{spec.kind}:{body}")
