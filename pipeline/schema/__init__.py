"""The canonical schema (pydantic v2). Imports nothing else of ours."""

from pipeline.schema.record import *  # noqa: F403
from pipeline.schema.record import __all__  # noqa: F401
