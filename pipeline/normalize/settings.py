"""The settings of the normalizer (`configs/normalize.toml`): tolerances and cue words."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from pipeline.core import CONFIG_DIR, resolve_path
from pipeline.errors import ConfigError

DEFAULT_SETTINGS = CONFIG_DIR / "normalize.toml"


class Tolerance(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rate_rounding: float = Field(0.5, description="units of a stated rate's last digit it may be off by")
    sum_rounding: float = Field(0.5, description="units of a total's last digit the sum of its parts may be off by")
    score_points: float = Field(0.05, description="points a score table's sum may be off by")
    unit_ratio: float = Field(1000, description="ratio of units that marks the same number written in two units")


class Window(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cue_chars: int = 24
    flow_chars: int = 24
    parts_chars: int = 700


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tolerance: Tolerance = Field(default_factory=Tolerance)
    window: Window = Field(default_factory=Window)
    stage_cues: dict[str, list[str]] = Field(default_factory=dict)
    context: dict[str, list[str]] = Field(default_factory=dict)
    flow_cues: dict[str, list[str]] = Field(default_factory=dict)
    flow_after: dict[str, list[str]] = Field(default_factory=dict, description="flow words right after an amount")
    flow_sources: dict[str, list[str]] = Field(
        default_factory=dict, description="funding sources right before an amount that name no flow of their own"
    )
    item_cues: dict[str, list[str]] = Field(default_factory=dict)
    rate_cues: dict[str, list[str]] = Field(default_factory=dict)
    doc_kind: dict[str, list[str]] = Field(default_factory=dict)
    facts: dict[str, list[str]] = Field(default_factory=dict)
    grade_scale: dict[str, float] = Field(default_factory=dict, description="lowest score of each grade")


@cache
def load_settings(path: str | Path = DEFAULT_SETTINGS) -> Settings:
    path = resolve_path(path)
    try:
        with path.open("rb") as fh:
            return Settings.model_validate(tomllib.load(fh))
    except (OSError, tomllib.TOMLDecodeError, ValueError) as e:
        raise ConfigError(f"cannot read the normalizer settings {path}: {e}") from e
