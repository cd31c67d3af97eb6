"""The layer order of DESIGN.md, checked on the import statements of every module in dosaku/.

    L0 rules | L1 io, features | L2 nets | L3 search | L4 agents | L5 train, gtp, arena, vision, cli

Imports point down or stay within a layer; nets never import rules or features; rules, io,
gtp, features and search never import torch. Imports inside functions count too. A new
subpackage must be given a layer here (and in DESIGN.md) before it may exist.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import dosaku

PACKAGE = Path(dosaku.__file__).resolve().parent
ROOT_LAYER = 0  # modules directly in dosaku/ (the package itself) may import only rules

# models/ holds shipped weights and a path helper that imports nothing: any layer may use it.
LAYERS = {"rules": 0, "models": 0, "io": 1, "features": 1, "nets": 2, "search": 3, "agents": 4,
          "train": 5, "gtp": 5, "arena": 5, "vision": 5, "cli": 5}
FORBIDDEN = {"nets": {"rules", "features"}}
TORCH_FREE = {"rules", "io", "gtp", "features", "search"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) for every import in the file, relative ones resolved."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def subpackage(module: str) -> str | None:
    """'dosaku.rules.game' -> 'rules'; None for the root package, a module directly in dosaku/
    (``dosaku.__version__`` included) and anything outside dosaku."""
    parts = module.split(".")
    if parts[0] != "dosaku" or len(parts) < 2 or not (PACKAGE / parts[1]).is_dir():
        return None
    return parts[1]


def layer_of(sub: str | None) -> int:
    if sub is None:
        return ROOT_LAYER
    if sub not in LAYERS:
        pytest.fail(f"subpackage dosaku.{sub} has no layer in DESIGN.md")
    return LAYERS[sub]


SOURCES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path: Path):
    importer = subpackage(module_name(path))
    own = layer_of(importer)
    problems = []
    for line, target in imported_modules(path):
        top = target.split(".")[0]
        if importer in TORCH_FREE and top == "torch":
            problems.append(f"line {line}: dosaku.{importer} must not import torch")
        if top != "dosaku":
            continue
        sub = subpackage(target)
        if layer_of(sub) > own:
            problems.append(f"line {line}: {target} (layer {layer_of(sub)}) is above "
                            f"dosaku.{importer or ''} (layer {own})")
        if sub in FORBIDDEN.get(importer, set()):
            problems.append(f"line {line}: dosaku.{importer} must not import dosaku.{sub}")
    assert not problems, f"{path}:\n" + "\n".join(problems)


def test_every_subpackage_has_a_layer():
    missing = [p.name for p in PACKAGE.iterdir()
               if p.is_dir() and (p / "__init__.py").exists() and p.name not in LAYERS]
    assert not missing, f"subpackages without a layer in DESIGN.md: {missing}"


def test_gtp_start_up_does_not_load_torch():
    code = ("import sys, dosaku, dosaku.gtp.engine, dosaku.agents, dosaku.cli.main; "
            "print('torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False", "importing the GTP engine loaded torch"
