"""Every error jixiao raises, with its text in one place.

Each error names the file, the stage and the reason, and says what to do where there is
something to do. Messages are format strings filled by keyword.
"""

from __future__ import annotations


class JixiaoError(Exception):
    """Base class: `stage` says where in the pipeline it happened."""

    stage = "pipeline"

    def __init__(self, message: str, *, path: str | None = None, stage: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        if stage:
            self.stage = stage

    @property
    def reason(self) -> str:
        return str(self)


class IngestError(JixiaoError):
    stage = "ingest"


class ConfigError(JixiaoError):
    stage = "config"


class ModelError(JixiaoError):
    stage = "model"


class StageError(JixiaoError):
    stage = "pipeline"


class SinkError(JixiaoError):
    stage = "sink"


class Messages:
    """Message texts, filled with `.format(**fields)`."""

    EMPTY_FILE = "the file is empty"
    TOO_LARGE = "the file is {size:,} bytes, over the limit of {limit:,} bytes (raise --max-bytes to read it)"
    UNSUPPORTED = "unsupported format ({what}); jixiao reads txt, md, docx, pdf, html, xlsx, png, jpg and tif"
    NOT_TEXT = "the file is named .{ext} but its bytes are not text in any encoding jixiao knows ({detail})"
    CORRUPT = "the {fmt} file is damaged or truncated and cannot be opened: {detail}"
    IMAGE_TOO_LARGE = "the image{where} has {pixels:,} pixels{dims}, over the limit of {limit:,}; it may be a decompression bomb: downscale it (300 dpi is plenty for OCR) and run again"
    ENCRYPTED = "the PDF is password-protected; decrypt it first (e.g. qpdf --decrypt) and run again"
    UNPACKS_TOO_LARGE = "the {fmt} file would unpack to {size:,} bytes, over the limit of {limit:,} bytes (a zip bomb, or re-save it smaller)"
    ZIP_RATIO = "the {fmt} file's member {member} would unpack to {size:,} bytes, {ratio:,.0f} times its packed size (over {limit:,}×): a zip bomb, refused"
    ZIP_MEMBER_LIES = "the {fmt} file's member {member} does not unpack to what its zip entry declares ({detail}): a damaged file or a zip bomb, refused"
    PDF_STREAM_BOMB = "a stream of the PDF (at byte {offset:,}) would inflate to more than {size:,} bytes, {ratio:,.0f} times its packed size: a decompression bomb, refused"
    HTML_TOO_DEEP = "the page nests its elements deeper than the parser's limit of 256 levels (hostile or broken HTML); what lies deeper cannot be read: {detail}"
    NO_TEXT_PAGE = "page {page} has no text layer and OCR is not available; its text is missing"
    NOT_FOUND = "no such file or folder"
    STAGE_MISSING = "stage '{stage}' needs {needs}, which no earlier stage assigns; add a stage that assigns it before '{stage}'"
    UNKNOWN_STAGE = "unknown stage '{name}' in {config}; known stages: {known}"
    BAD_CONFIG_KEY = "stage '{stage}' got unknown setting(s) {keys} from {config}; it accepts {accepted}"
    MODEL_MISSING = "no trained model at {path}; run `jixiao train {what}` to build it"
    NER_BACKEND = "unknown NER backend {backend!r}; configs/ner.toml `backend` must be one of: {known}"
    MODEL_VERSION = "model at {path} was trained with {lib} {trained}, but {lib} {installed} is installed; retrain with `jixiao train {what}` or install {lib}=={trained}"
    DB_OPEN = "cannot open the DuckDB database {path}: {detail} (is another jixiao run writing to it?)"
    DB_WRITE = "writing to the DuckDB database {path} failed, nothing of this batch was kept: {detail}"
    DB_MISSING = "no DuckDB database at {path}; run `jixiao batch … --db {path}` or `jixiao extract … --db {path}` first"
    QUERY_FAILED = "the query failed: {detail}"
    PATH_ESCAPES = "refusing to write {name!r}: it would land outside {folder}"
    TIMEOUT = "processing took longer than the limit of {seconds:g} s; the worker was stopped (raise --timeout to allow more)"
    MEMORY_LIMIT = "processing needed more than the limit of {mb:,} MB of memory (raise --max-memory to allow more)"
    WORKER_DIED = "the worker process died while processing this file (exit code {code}); the file may be malformed"
    WORKER_START = "a batch worker could not start: {detail}"
    UNKNOWN_ENGINE = "unknown engine '{engine}'; choose one of {known}"
    NOT_A_FOLDER = "{path} is not a folder; jixiao batch reads a folder (use jixiao extract for single files)"
    DASK_MISSING = "the dask engine needs dask.distributed, which is not installed: pip install 'jixiao[dask]'"
    DASK_CONNECT = "cannot connect to the Dask scheduler at {address}: {detail}"
    DASK_LOST = "the Dask worker processing this file was lost ({detail}); run again with --retry-failed"
    MODEL_TAMPERED = "model at {path} does not match its meta.json ({detail}); it was changed after training: retrain it"
    MODEL_UNTRUSTED = "model file {path} would load types that are not on the trusted list ({types}); refusing to load it: retrain it with `jixiao train`"
