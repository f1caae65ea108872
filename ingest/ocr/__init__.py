"""OCR with Tesseract for PDF pages whose text layer is missing or unusable."""

from ingest.ocr.document import PageRecognition, recognise_pages
from ingest.ocr.options import DISABLED, OcrOptions, ocr_options_from_settings

__all__ = ["DISABLED", "OcrOptions", "PageRecognition", "ocr_options_from_settings", "recognise_pages"]
