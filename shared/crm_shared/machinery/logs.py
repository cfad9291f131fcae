"""How every service process logs: one line a record, URL passwords and personal data masked."""

from __future__ import annotations

import logging

from crm_shared.machinery.redact import PiiFilter, install_filter, mask_record, mask_urls

FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"


class MaskSecrets(logging.Filter):
    """Masks the password of any URL in a record's message, traceback and stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record, mask_urls)
        return True


def configure_logging(level: int = logging.INFO) -> None:
    """Log to stderr at `level`; every handler masks URL passwords, phones and e-mails, in
    the message, its arguments, the traceback and the stack (whichever filter runs first)."""
    logging.basicConfig(level=level, format=FORMAT)
    install_filter(MaskSecrets)
    install_filter(PiiFilter)  # no phone or e-mail address in a log line
