"""How every service process logs: one line a record, URL passwords and personal data masked."""

from __future__ import annotations

import logging

from crm_shared.redact import install_pii_filter, mask_urls

FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"


class MaskSecrets(logging.Filter):
    """Masks the password of any URL in a record's message (and in its traceback text)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_urls(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_urls(record.exc_text)
        return True


def configure_logging(level: int = logging.INFO) -> None:
    """Log to stderr at `level`; every handler masks URL passwords, phones and e-mails."""
    logging.basicConfig(level=level, format=FORMAT)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskSecrets) for f in handler.filters):
            handler.addFilter(MaskSecrets())
    install_pii_filter()  # no phone or e-mail address in a log line
