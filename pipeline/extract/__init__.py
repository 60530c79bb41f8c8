"""Extraction: the numbers grammar, table interpretation, NER and relations.

Importing this package registers its stages (`numbers`, `tables`, …) with `pipeline.core`.
"""

from pipeline.extract import numbers  # noqa: F401  (registers the `numbers` stage)
from pipeline.extract import tables  # noqa: F401  (registers the `tables` stage)
