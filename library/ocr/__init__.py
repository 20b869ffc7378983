"""Recognition of scanned PDF pages (Tesseract, Vietnamese): see library/ocr/service.py.

Kept free of imports: the recognition child (library.ocr.worker) loads this package bare."""
