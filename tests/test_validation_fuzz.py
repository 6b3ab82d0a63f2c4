"""Property test: every generated override of the real schema either validates or is refused with exit status 2 and
one message naming the key, through the real ``plenary`` entry point (``run --dry-run``, which checks the config,
the data, the memory estimate and the run folder without running anything). Never a traceback, never an
out-of-memory error, never a half-written folder."""

from __future__ import annotations

import math
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf

from experiments.cli import main
from experiments.config import compose_config

pytestmark = pytest.mark.slow
EXAMPLES = int(os.environ.get("PLENARY_FUZZ_EXAMPLES", "150"))


def _flatten(node, prefix: str = "") -> list[tuple[str, object]]:
    """Every leaf key of the composed default config (list positions as numbers), with its default value."""
    out = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else None
    if items is None:
        return [(prefix, node)]
    if isinstance(node, list) and all(not isinstance(v, (dict, list)) for v in node):
        out.append((prefix, node))                 # a list of numbers: the whole list is a key too
    for k, v in items:
        out += _flatten(v, f"{prefix}.{k}" if prefix else str(k))
    return out


DEFAULTS = dict(_flatten(OmegaConf.to_container(compose_config([]))))
KEYS = sorted(k for k in DEFAULTS if not k.startswith(("run_dir", "memory_budget_gb")))
BAD = ["-1", "0", "-0.5", "nan", "inf", "-inf", "1e9", "100000000", "abc", "''", "null", "[]", "[1,2]", "{a: 1}",
       "true", "2.5", "-100000"]


def _good(value) -> list[str]:
    if isinstance(value, bool):
        return ["true", "false"]
    if isinstance(value, (int, float)) and math.isfinite(value):
        return [repr(value), repr(type(value)(value * 2)), repr(type(value)(-value))]
    if isinstance(value, list):
        return ["[" + ",".join(map(str, value)) + "]"]
    return [str(value)] if value not in (None, "") else ["null"]


def _misspell(key: str, data) -> str:
    parts = key.split(".")
    j = data.draw(st.integers(0, len(parts) - 1))
    word = parts[j]
    if len(word) > 2 and not word.isdigit():
        i = data.draw(st.integers(0, len(word) - 2))
        word = word[:i] + word[i + 1] + word[i] + word[i + 2:] if data.draw(st.booleans()) else word[:i] + word[i + 1:]
    else:
        word += "x"
    parts[j] = word
    return ".".join(parts)


@st.composite
def overrides(draw):
    """(override, the key it must name): a real key with a bad or good value, a misspelt key, or a new key."""
    key = draw(st.sampled_from(KEYS))
    kind = draw(st.sampled_from(["bad", "bad", "bad", "good", "misspelt", "new"]))
    if kind == "misspelt":
        key = _misspell(key, draw(st.data()))
        return f"{key}=1", key
    if kind == "new":
        return f"+{key}_extra=1", f"{key}_extra"
    value = draw(st.sampled_from(BAD if kind == "bad" else _good(DEFAULTS[key])))
    return f"{key}={value}", key


def named(err: str, key: str) -> bool:
    """The message names the key, or (a cross-field constraint) its last two parts or the list it is an entry of
    (``scenario.issues`` for ``scenario.issues.6.key``, whose renaming breaks a reference to it)."""
    parts = key.split(".")
    entry = next((".".join(parts[:j]) for j in range(len(parts) - 1, 0, -1) if parts[j].isdigit()), None)
    return key in err or ".".join(parts[-2:]) in err or (entry is not None and entry in err)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow,
                                                                         HealthCheck.function_scoped_fixture])
@given(case=overrides())
def test_every_generated_override_validates_or_exits_2_naming_the_key(case, tmp_path_factory, capsys):
    override, key = case
    out = tmp_path_factory.mktemp("fuzz") / "run"
    status = main(["run", "--dry-run", f"run_dir={out}", override])
    err = capsys.readouterr().err
    assert status in (0, 2), (override, status, err)
    assert "Traceback" not in err and not out.exists()
    if status == 2:
        assert err.startswith("plenary: error: ") and err.count("\n") == 1, (override, err)
        assert named(err, key), (override, err)
