"""Synthetic disclosures in the layouts of the real ones, with gold records and annotations.

`generate(n, seed, size="short"|"report")` yields documents in memory (text, blocks, gold,
annotations), short ones or full-length reports;
`pipeline.synth.writers.write_corpus` writes them as txt, docx, pdf, html, xlsx and png files.
"""

from pipeline.synth.generator import DOC_KINDS, FLAG_CODES, SIZES, SynthDoc, generate, generate_one

__all__ = ["DOC_KINDS", "FLAG_CODES", "SIZES", "SynthDoc", "generate", "generate_one"]
