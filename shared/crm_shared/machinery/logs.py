"""How every service process logs: one line a record, URL passwords and personal data masked,
and a library's chatter that says nothing to an operator left at DEBUG."""

from __future__ import annotations

import logging
import re

from crm_shared.machinery.redact import PiiFilter, install_filter, mask_record, mask_urls

FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"


class MaskSecrets(logging.Filter):
    """Masks the password of any URL in a record's message, traceback and stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record, mask_urls)
        return True


class LibraryChatter(logging.Filter):
    """FastStream 0.7's «callback for Task-36 is being executed...», said at INFO by the
    done-callback of every subscriber task (`TaskCallbackSupervisor`) whenever one ends, as
    each does at a stop: no slow callback, nor a failure (a task that failed is said apart,
    at ERROR, «… raised an exception», and kept). It is a DEBUG line: shown only when the
    process logs at DEBUG, and then marked so."""

    _SAID = re.compile(r"callback for \S+ is being executed\.\.\.\Z")

    def filter(self, record: logging.LogRecord) -> bool:
        if not (isinstance(record.msg, str) and self._SAID.match(record.msg)):
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger().isEnabledFor(logging.DEBUG)


def configure_logging(level: int = logging.INFO) -> None:
    """Log to stderr at `level`; every handler masks URL passwords, phones and e-mails, in
    the message, its arguments, the traceback and the stack (whichever filter runs first),
    and keeps `LibraryChatter` to DEBUG."""
    logging.basicConfig(level=level, format=FORMAT)
    install_filter(LibraryChatter)
    install_filter(MaskSecrets)
    install_filter(PiiFilter)  # no phone or e-mail address in a log line
