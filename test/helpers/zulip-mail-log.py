"""Write send_email.log and errors.log as Zulip does, from real sends.

Each send of the plan (JSON on stdin) is tried with smtplib against a server
the test started on loopback, the way Django's SMTP backend does it
(SMTP or SMTP_SSL, starttls, login, sendmail), and logged with Python's own
logging exactly as Zulip logs it:

- send_email.log: logging.getLogger("zulip.send_email") with
  logging.Formatter("%(asctime)s %(levelname)-8s %(message)s")
  (zerver/lib/logging_util.py log_to_file), messages of
  zerver/lib/send_email.py send_immediate_email;
- errors.log: a WARNING handler on the root logger with ZulipFormatter's
  format "%(asctime)s %(zulip_level_abbrev)-4s [%(zulip_origin)s] %(message)s"
  and "%s.%03d" milliseconds (zerver/lib/logging_util.py).

style "current" logs the failure as current releases do (logger.exception
with stack_info=True); style "old" as older ones (`if mail.send() == 0`):
only "Sending ..." in send_email.log, the traceback in errors.log from the
queue worker.
"at" (epoch seconds) sets the record's time, so a test can place sends
inside or outside its window.
"""

import json
import logging
import smtplib
import ssl
import sys
from email.message import EmailMessage

plan = json.load(sys.stdin)
log_dir = plan["dir"]


class At(logging.Filter):
    at = None

    def filter(self, record):
        if At.at is not None:
            record.created = At.at
            record.msecs = (At.at - int(At.at)) * 1000
        return True


class ZulipFormatter(logging.Formatter):
    default_msec_format = "%s.%03d"
    abbrevs = {"DEBUG": "DEBG", "INFO": "INFO", "WARNING": "WARN", "ERROR": "ERR", "CRITICAL": "CRIT"}

    def __init__(self):
        super().__init__(fmt="%(asctime)s %(zulip_level_abbrev)-4s [%(zulip_origin)s] %(message)s")

    def format(self, record):
        record.zulip_level_abbrev = self.abbrevs.get(record.levelname, record.levelname[:4])
        record.zulip_origin = record.name
        return super().format(record)


at_filter = At()
errors = logging.FileHandler(f"{log_dir}/errors.log")
errors.setLevel(logging.WARNING)
errors.setFormatter(ZulipFormatter())
errors.addFilter(at_filter)
root = logging.getLogger()
root.addHandler(errors)
root.setLevel(logging.INFO)

logger = logging.getLogger("zulip.send_email")
handler = logging.FileHandler(f"{log_dir}/send_email.log")
handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-8s %(message)s"))
handler.addFilter(at_filter)
logger.addHandler(handler)
worker = logging.getLogger("zerver.worker.queue_processors")


def deliver(send):
    if send.get("raise"):
        # An SMTPException whose text came from outside (a server, a proxy): logged with %s as it is.
        raise smtplib.SMTPException(send["raise"])
    context = ssl.create_default_context(cafile=send.get("cafile"))
    if send["security"] == "ssl":
        connection = smtplib.SMTP_SSL(send["host"], send["port"], timeout=send.get("timeout", 15), context=context)
    else:
        connection = smtplib.SMTP(send["host"], send["port"], timeout=send.get("timeout", 15))
        if send["security"] == "starttls":
            connection.starttls(context=context)
    try:
        if send.get("user") and send.get("password"):
            connection.login(send["user"], send["password"])
        message = EmailMessage()
        message["From"] = send["from"]
        message["To"] = send["to"]
        message["Subject"] = "Zulip"
        message.set_content(send.get("body", "Hello"))
        connection.sendmail(send["from"], [send["to"]], message.as_bytes())
    finally:
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            pass


for send in plan["sends"]:
    At.at = send.get("at")
    template = send.get("template", "invitation")
    mail_to = [send["to"]]
    realm = f" in {send['realm']}" if send.get("realm") else ""
    if send.get("style", "current") == "old":
        logger.info("Sending %s email to %s" % (template, mail_to))
        try:
            deliver(send)
        except Exception:
            worker.exception("Problem handling data on queue email_senders")
        continue
    logger.info("Sending %s email to %s%s", template, f"{mail_to}{realm}", "")
    try:
        deliver(send)
    except smtplib.SMTPResponseException as e:
        logger.exception(
            "Error sending %s email to %s with error code %s: %s",
            template,
            mail_to,
            e.smtp_code,
            e.smtp_error,
            stack_info=True,
        )
    except (smtplib.SMTPException, OSError) as e:
        logger.exception("Error sending %s email to %s: %s", template, mail_to, e, stack_info=True)
