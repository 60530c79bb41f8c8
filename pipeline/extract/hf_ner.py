"""The transformers backend of NER: fine-tune a local token-classification checkpoint.

For users who have a Chinese checkpoint on disk (any BERT-style model directory):
`jixiao train ner --backend transformers --base-model DIR`. Nothing is downloaded: the
checkpoint is loaded with `local_files_only=True`. Runs on a GPU when one is present.
Requires the `transformers` extra (torch, transformers, datasets).
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import ClassVar

from pipeline.annotate.dataset import spans_from_tags
from pipeline.core import Stage, register, resolve_path
from pipeline.errors import ModelError, Messages
from pipeline.schema import Document, Mention

logger = logging.getLogger(__name__)


def _require():
    try:
        import torch
        import transformers
    except ImportError as e:
        raise ModelError(
            "the transformers backend needs the optional extra: pip install 'jixiao[transformers]'"
        ) from e
    return torch, transformers


class TransformersTagger:
    """A character-level BIO tagger on top of a local checkpoint (scikit-learn style)."""

    def __init__(
        self,
        *,
        base_model: str | Path,
        labels: tuple[str, ...] = (),
        max_length: int = 256,
        epochs: float = 3.0,
        max_steps: int = -1,
        learning_rate: float = 5e-5,
        batch_size: int = 8,
        seed: int = 0,
    ) -> None:
        self.base_model = base_model
        self.labels = labels
        self.max_length = max_length
        self.epochs = epochs
        self.max_steps = max_steps
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.seed = seed

    def _encode(self, tokenizer, examples: list[dict], tag_ids: dict[str, int] | None):
        enc = tokenizer(
            [ex["tokens"] for ex in examples],
            is_split_into_words=True,
            truncation=True,
            max_length=self.max_length_,
        )
        if tag_ids is None:
            return enc
        labels = []
        for i, ex in enumerate(examples):
            row = []
            previous = None
            for word in enc.word_ids(i):
                # only the first sub-token of a character carries its tag
                row.append(-100 if word is None or word == previous else tag_ids[ex["tags"][word]])
                previous = word
            labels.append(row)
        enc["labels"] = labels
        return enc

    def fit(self, examples: list[dict]) -> TransformersTagger:
        torch, transformers = _require()
        from datasets import Dataset

        transformers.set_seed(self.seed)
        tags = sorted({t for ex in examples for t in ex["tags"]} | {"O"})
        if self.labels:
            tags = sorted(set(tags) | {f"{p}-{lab}" for lab in self.labels for p in ("B", "I")})
        self.tags_ = tags
        tag_ids = {t: i for i, t in enumerate(tags)}
        base = str(resolve_path(self.base_model))
        self.tokenizer_ = transformers.AutoTokenizer.from_pretrained(base, local_files_only=True)
        self.model_ = transformers.AutoModelForTokenClassification.from_pretrained(
            base,
            local_files_only=True,
            num_labels=len(tags),
            id2label=dict(enumerate(tags)),
            label2id=tag_ids,
            ignore_mismatched_sizes=True,
        )
        self.max_length_ = min(self.max_length, self.model_.config.max_position_embeddings)
        dataset = Dataset.from_dict(dict(self._encode(self.tokenizer_, examples, tag_ids)))
        with tempfile.TemporaryDirectory(prefix="jixiao-hf-") as scratch:
            self._train(torch, transformers, dataset, scratch)
        self.model_.eval()
        return self

    def _train(self, torch, transformers, dataset, scratch: str) -> None:
        args = transformers.TrainingArguments(
            output_dir=scratch,
            num_train_epochs=self.epochs,
            max_steps=self.max_steps,
            learning_rate=self.learning_rate,
            per_device_train_batch_size=self.batch_size,
            seed=self.seed,
            data_seed=self.seed,
            save_strategy="no",
            logging_strategy="no",
            eval_strategy="no",
            report_to=[],
            disable_tqdm=True,
            dataloader_num_workers=0,
            use_cpu=not torch.cuda.is_available(),
        )
        collator = transformers.DataCollatorForTokenClassification(self.tokenizer_)
        trainer = transformers.Trainer(model=self.model_, args=args, train_dataset=dataset, data_collator=collator)
        trainer.train()

    def predict(self, examples: list[dict]) -> list[list[tuple[int, int, str, float]]]:
        """For each example, the (start, end, label, score) spans over its `char_offsets`."""
        torch, _ = _require()
        out = []
        device = next(self.model_.parameters()).device
        for ex in examples:
            enc = self.tokenizer_(
                ex["tokens"], is_split_into_words=True, truncation=True, max_length=self.max_length_, return_tensors="pt"
            )
            word_ids = enc.word_ids(0)
            with torch.no_grad():
                logits = self.model_(**{k: v.to(device) for k, v in enc.items()}).logits[0]
            probs = torch.softmax(logits, dim=-1).cpu()
            tags = ["O"] * len(ex["tokens"])
            scores = [1.0] * len(ex["tokens"])
            seen = set()
            for pos, word in enumerate(word_ids):
                if word is None or word in seen:
                    continue
                seen.add(word)
                best = int(probs[pos].argmax())
                tags[word] = self.model_.config.id2label[best]
                scores[word] = float(probs[pos, best])
            out.append(spans_from_tags(tags, ex["char_offsets"], scores))
        return out

    def to_disk(self, path: Path) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.model_.save_pretrained(path, safe_serialization=True)  # safetensors: no pickle
        self.tokenizer_.save_pretrained(path)

    @classmethod
    def from_disk(cls, path: Path) -> TransformersTagger:
        _, transformers = _require()
        path = Path(path)
        if not (path / "config.json").is_file():
            raise ModelError(Messages.MODEL_MISSING.format(path=path, what="ner --backend transformers"))
        self = cls(base_model=path)
        self.tokenizer_ = transformers.AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        self.model_ = transformers.AutoModelForTokenClassification.from_pretrained(
            str(path), local_files_only=True, use_safetensors=True
        )
        self.model_.eval()
        self.max_length_ = min(self.max_length, self.model_.config.max_position_embeddings)
        self.tags_ = [self.model_.config.id2label[i] for i in range(len(self.model_.config.id2label))]
        return self


@register
class TransformersNER(Stage):
    """NER from a fine-tuned transformers checkpoint; appends the mentions that overlap none already there."""

    name: ClassVar[str] = "hf_ner"
    requires: ClassVar[tuple[str, ...]] = ("text",)
    assigns: ClassVar[tuple[str, ...]] = ("mentions",)

    def __init__(self, *, model: str = "models/ner-transformers", max_chars: int = 200, min_score: float = 0.5) -> None:
        self.model = model
        self.max_chars = max_chars
        self.min_score = min_score
        self._tagger: TransformersTagger | None = None

    def __call__(self, doc: Document) -> Document:
        from pipeline.annotate.dataset import bio_examples
        from pipeline.extract.ner import append_mentions

        if self._tagger is None:
            self._tagger = TransformersTagger.from_disk(resolve_path(self.model))
        max_chars = min(self.max_chars, self._tagger.max_length_ - 2)  # windows the model reads whole
        examples = bio_examples(doc.text, [], max_chars=max_chars, doc_id=doc.doc_id)
        found = [
            Mention(label=label, start=start, end=end, text=doc.text[start:end], score=score, source="transformers")
            for spans in self._tagger.predict(examples)
            for start, end, label, score in spans
            if score >= self.min_score
        ]
        append_mentions(doc, found)  # as the spaCy NER: table and grammar mentions win
        return doc


def train(
    *, base_model: Path, output: Path | None = None, epochs: float = 3.0, max_steps: int = -1, max_chars: int = 200
):
    """`jixiao train ner --backend transformers`: fine-tune `base_model` on the gold entities, save with a card."""
    import time

    from pipeline import modelio
    from pipeline.annotate.dataset import LabelledSpan, bio_examples
    from pipeline.extract.features import NER_LABELS, load_gold

    _, transformers = _require()
    out = Path(output) if output else resolve_path("models/ner-transformers")
    positions = transformers.AutoConfig.from_pretrained(str(base_model), local_files_only=True).max_position_embeddings
    max_chars = min(max_chars, positions - 2)  # a window and its [CLS]/[SEP] fit the model
    golds = load_gold()
    examples = [
        ex
        for g in golds
        for ex in bio_examples(
            g.doc.text,
            [LabelledSpan(m.start, m.end, m.label) for m in g.mentions if m.label in NER_LABELS],
            max_chars=max_chars,
            doc_id=g.doc.doc_id,
        )
    ]
    t0 = time.perf_counter()
    tagger = TransformersTagger(base_model=base_model, labels=NER_LABELS, epochs=epochs, max_steps=max_steps).fit(examples)
    seconds = round(time.perf_counter() - t0, 1)
    tagger.to_disk(out)
    meta = modelio.ModelMeta(
        name="ner-transformers",
        created=modelio.now_iso(),
        description=f"Character-level BIO tagger fine-tuned from the local checkpoint {base_model}.",
        libraries=modelio.library_versions(("torch", "transformers")),
        labels=list(tagger.tags_),
        config={"base_model": str(base_model), "epochs": epochs, "max_steps": max_steps, "max_chars": max_chars},
        data_sha256=modelio.data_hash(sorted(p for p in (resolve_path("data/annotations") / "entities").glob("*.json"))),
        data={"real_documents": len(golds), "windows": len(examples)},
        metrics={"training_seconds": seconds},
    )
    files = [p.name for p in out.iterdir() if p.is_file() and p.name not in ("meta.json", "README.md")]
    return modelio.save_model_dir(out, meta, files)
