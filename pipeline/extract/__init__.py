"""Extraction: the numbers grammar, table interpretation, NER and relations.

Importing this package registers its stages (`numbers`, `tables`, …) with `pipeline.core`.
"""

from pipeline.extract import numbers  # noqa: F401  (registers the `numbers` stage)
from pipeline.extract import tables  # noqa: F401  (registers the `tables` stage)
from pipeline.extract import ner  # noqa: F401  (registers the `ner` stage)
from pipeline.extract import relations  # noqa: F401  (registers the `relations` stage)
from pipeline.extract import hf_ner  # noqa: F401  (registers `hf_ner`; torch is imported only when it runs)
