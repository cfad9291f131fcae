"""Sending a notification by e-mail through the configured SMTP server (aiosmtplib)."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from crm_shared.config import SmtpSettings


class EmailSender:
    """Sends one plain-text message per delivery; no connection is kept between them."""

    def __init__(self, smtp: SmtpSettings | None, timeout: float) -> None:
        self._smtp = smtp
        self._timeout = timeout

    async def send(self, delivery_id: str, to: str, subject: str, text: str) -> str | None:
        """Send; returns None on success or the reason it failed (to retry later)."""
        smtp = self._smtp
        if smtp is None:
            return "в настройках нет раздела smtp"
        message = EmailMessage()
        message["From"] = smtp.sender
        message["To"] = to
        message["Subject"] = subject
        # The delivery id as Message-ID: a retried send after a lost reply is recognisable.
        message["Message-ID"] = f"<{delivery_id}@crm-notifier>"
        message.set_content(text)
        try:
            await aiosmtplib.send(
                message,
                hostname=smtp.host,
                port=smtp.port,
                start_tls=smtp.starttls,  # None: when the server offers it
                cert_bundle=smtp.ca_file,
                username=smtp.username,
                password=smtp.password.get_secret_value() if smtp.password else None,
                timeout=self._timeout,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            return f"{type(exc).__name__}: {exc}"[:500]
        return None
