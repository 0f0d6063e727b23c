"""What can go wrong with a document, in terms the API maps to 4xx responses."""


class IngestError(Exception):
    """A document could not be ingested; ``code`` is machine-readable."""

    code = "ingest_failed"


class UnsupportedFileType(IngestError):
    code = "unsupported_file_type"


class UnreadableDocument(IngestError):
    code = "unreadable_document"


class EmptyDocument(IngestError):
    code = "empty_document"


class DocumentTooLarge(IngestError):
    code = "document_too_large"


class EncryptedDocument(UnreadableDocument):
    """Password-protected: Kefu cannot open it without the password."""

    code = "encrypted_document"


class NoTextLayer(EmptyDocument):
    """A PDF of scanned pages: images of text, nothing to extract without OCR."""

    code = "no_text_layer"
