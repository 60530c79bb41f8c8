"""Page images (PNG, JPEG, TIFF; a multi-page TIFF is one page per frame), read by OCR.

The pixel count of every frame is checked from the header before anything is decoded, so that
a small file that would unpack to gigabytes (a decompression bomb) is refused with a clear error.
"""

from __future__ import annotations

import re
import warnings
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageOps

from pipeline.errors import IngestError, Messages
from pipeline.ingest.builder import DocumentBuilder
from pipeline.ingest.ocr import ocr_image
from pipeline.schema import Document

MAX_PIXELS = 100_000_000  # per page: an A4 page at 600 dpi is 35 megapixels


def read(path: Path, data: bytes, *, max_pixels: int = MAX_PIXELS) -> Document:
    """OCR every page of the image into one Document (`source.format = "image"`, `ocr = True`)."""
    builder = DocumentBuilder()
    with warnings.catch_warnings():
        # our own limit below is lower than Pillow's; its warning would only repeat it
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(BytesIO(data))
        except Image.DecompressionBombError as e:
            raise IngestError(_too_large_message(str(e), max_pixels), path=str(path)) from e
        with image:
            pages = getattr(image, "n_frames", 1)
            for index in range(pages):
                image.seek(index)
                width, height = image.size
                if width * height > max_pixels:
                    where = f" (page {index + 1})" if pages > 1 else ""
                    raise IngestError(
                        Messages.IMAGE_TOO_LARGE.format(
                            where=where, pixels=width * height, dims=f" ({width}×{height})", limit=max_pixels
                        ),
                        path=str(path),
                    )
                frame = ImageOps.exif_transpose(image) if index == 0 else image.copy()
                ocr_image(builder, frame, page=index + 1)
    return builder.build(path=path, data=data, fmt="image", pages=pages, ocr=True)


def _too_large_message(pillow_message: str, limit: int) -> str:
    """Pillow refused the image itself (over twice its own limit): say it in our words."""
    found = re.search(r"(\d+) pixels", pillow_message)
    pixels = int(found.group(1)) if found else limit + 1
    return Messages.IMAGE_TOO_LARGE.format(where="", pixels=pixels, dims="", limit=limit)
