"""Email backends for fault tests: real Django backends that fail the way a transport does."""

from smtplib import SMTPServerDisconnected

from django.core.mail.backends import locmem


class FlakyEmailBackend(locmem.EmailBackend):
    """Refuses the first `failures` sends with a transient SMTP error, then delivers."""

    failures = 0

    def send_messages(self, messages):
        if FlakyEmailBackend.failures > 0:
            FlakyEmailBackend.failures -= 1
            raise SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


class BrokenTemplateLikeBackend(locmem.EmailBackend):
    """Fails with a non-transient error (as a bug or a permanent refusal would)."""

    def send_messages(self, messages):
        raise ValueError("Recipient address rejected permanently")
