import {chmod, mkdir, writeFile} from 'node:fs/promises';
import {join} from 'node:path';

/** The release the sandbox's version.py claims: a current one, so certificates are verified as on a new server. */
export const SANDBOX_ZULIP_VERSION = '11.0';

/**
 * The sandbox's stand-in for Zulip's `manage.py send_test_email`: it reads
 * the sandbox's settings.py and secrets file as Zulip does (the module run as
 * Python, get_secret from RawConfigParser, parseaddr on the From settings,
 * deport() on EXTERNAL_HOST, EMAIL_TIMEOUT = 15) and sends the command's two
 * mails with smtplib, each on its own connection, printing what the command
 * prints. Where a server trusts the system's CAs, it trusts the relay's
 * session CA. Paths are filled in when it is written.
 */
const MANAGE_PY = String.raw`#!/usr/bin/env python3
# Stand-in for Zulip's manage.py, written by zulip-email-setup --sandbox: only send_test_email.
import base64, configparser, email.message, email.utils, importlib.abc, importlib.machinery, os, secrets, smtplib, ssl, sys, types
from urllib.parse import urlsplit

SETTINGS = __SETTINGS__
SECRETS = __SECRETS__
CA_FILE = __CA_FILE__

if len(sys.argv) != 3 or sys.argv[1] != "send_test_email":
    print("Usage: manage.py send_test_email username@example.com", file=sys.stderr)
    sys.exit(2)

parser = configparser.RawConfigParser()
parser.read(SECRETS)

def get_secret(key, default_value=None, development_only=False):
    if development_only:
        return default_value
    return parser.get("secrets", key, fallback=default_value)

class StandIn:
    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return StandIn()
    def __call__(self, *args, **kwargs):
        return StandIn()
    def __getitem__(self, key):
        return StandIn()
    def __or__(self, other):
        return self
    __ror__ = __and__ = __rand__ = __add__ = __radd__ = __or__

class Loader(importlib.abc.Loader):
    def create_module(self, spec):
        module = types.ModuleType(spec.name)
        module.__path__ = []
        module.__getattr__ = lambda attr: StandIn()
        return module
    def exec_module(self, module):
        if module.__name__ == "zproject.config":
            module.get_secret = get_secret
            module.get_config = lambda section, key, default_value=None: default_value

class Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        return importlib.machinery.ModuleSpec(fullname, Loader(), is_package=True)

sys.meta_path.append(Finder())
namespace = {"__name__": "zproject.prod_settings", "__package__": "zproject", "__file__": SETTINGS}
with open(SETTINGS, "rb") as f:
    exec(compile(f.read(), SETTINGS, "exec"), namespace)
setting = namespace.get

def deport(netloc):
    hostname = urlsplit("//" + netloc).hostname
    return "[" + hostname + "]" if ":" in hostname else hostname

host_without_port = deport(setting("EXTERNAL_HOST"))
SUPPORT = email.utils.parseaddr(setting("ZULIP_ADMINISTRATOR"))[1]
NOREPLY = email.utils.parseaddr(setting("NOREPLY_EMAIL_ADDRESS", "noreply@" + host_without_port))[1]
if setting("ADD_TOKENS_TO_NOREPLY_ADDRESS", True):
    template = setting("TOKENIZED_NOREPLY_EMAIL_ADDRESS", "noreply-{token}@" + host_without_port)
    token = base64.b32encode(secrets.token_bytes(15)).decode().lower()
    NOREPLY_SENDER = email.utils.parseaddr(template)[1].format(token=token)
else:
    NOREPLY_SENDER = NOREPLY

backend = setting("EMAIL_BACKEND")
if not backend and not setting("EMAIL_HOST"):
    print("CommandError: Outgoing email not yet configured, see\n  https://zulip.readthedocs.io/en/latest/production/email.html", file=sys.stderr)
    sys.exit(1)

message_text = ("Success!  If you receive this message (and a second with a different subject), "
    "you've successfully configured sending emails from your Zulip server.  "
    "Remember that you need to restart the Zulip server with /home/zulip/deployments/current/scripts/restart-server "
    "after changing the settings in /etc/zulip before your changes will take effect.")

def send_mail(subject, sender, to):
    message = email.message.EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = email.utils.formatdate()
    message["Message-ID"] = email.utils.make_msgid()
    message.set_content(message_text)
    if backend == "django.core.mail.backends.filebased.EmailBackend":
        path = os.path.join(setting("EMAIL_FILE_PATH"), "sandbox-%s.log" % secrets.token_hex(8))
        with open(path, "wb") as f:
            f.write(message.as_bytes() + b"\n" + b"-" * 79 + b"\n")
        return
    host, port = setting("EMAIL_HOST"), setting("EMAIL_PORT", 25)
    user, password = setting("EMAIL_HOST_USER", ""), get_secret("email_password")
    context = ssl.create_default_context(cafile=CA_FILE)
    if setting("EMAIL_USE_SSL", False):
        connection = smtplib.SMTP_SSL(host, port, timeout=15, context=context)
    else:
        connection = smtplib.SMTP(host, port, timeout=15)
        if setting("EMAIL_USE_TLS", False):
            connection.starttls(context=context)
    try:
        if user and password:
            connection.login(user, password)
        connection.sendmail(sender, [to], message.as_bytes())
    finally:
        try:
            connection.quit()
        except smtplib.SMTPException:
            pass

print("Sending 2 test emails from:")
to = sys.argv[2]
try:
    print("  * " + SUPPORT)
    send_mail("Zulip email test", SUPPORT, to)
    print("  * " + NOREPLY_SENDER)
    send_mail("Zulip noreply email test", NOREPLY_SENDER, to)
except smtplib.SMTPException as e:
    print("Failed to send mails: %s" % e)
    print()
    print("Full SMTP log follows:")
    print("(the stand-in keeps no log)")
    print("CommandError: Email sending failed!", file=sys.stderr)
    sys.exit(1)
print()
print("Successfully sent 2 emails to %s!" % to)
`;

/** Write the stand-in deployment (version.py, manage.py) into the sandbox; returns its directory. */
export async function writeSandboxDeployment(dir: string, files: {settings: string; secrets: string; caFile: string}): Promise<string> {
	const deployment = join(dir, 'zulip-deployment');
	await mkdir(deployment, {recursive: true, mode: 0o755});
	await writeFile(join(deployment, 'version.py'), `ZULIP_VERSION = "${SANDBOX_ZULIP_VERSION}"\n`, {mode: 0o644});
	const text = MANAGE_PY
		.replace('__SETTINGS__', JSON.stringify(files.settings))
		.replace('__SECRETS__', JSON.stringify(files.secrets))
		.replace('__CA_FILE__', JSON.stringify(files.caFile));
	const managePy = join(deployment, 'manage.py');
	await writeFile(managePy, text, {mode: 0o755});
	await chmod(managePy, 0o755);
	return deployment;
}
