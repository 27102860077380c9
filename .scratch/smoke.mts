import {parseSettings, editSettings} from '/work/main/source/zulip/settings-file.ts';
import {evaluateSettings} from '/work/main/source/zulip/python-eval.ts';
const t = `from .config import get_secret
ZULIP_ADMINISTRATOR = 'zulip-admin@example.com'
EXTERNAL_HOST = 'zulip.example.com'

################
## Outgoing email (SMTP) settings.
##
## EMAIL_HOST and EMAIL_HOST_USER are generally required.
# EMAIL_HOST = "smtp.example.com"
# EMAIL_HOST_USER = ""

## In that file, set \`email_password\`.  For example:
# email_password = abcd1234

## EMAIL_USE_TLS and EMAIL_PORT are required for most SMTP providers.
# EMAIL_USE_TLS = True
# EMAIL_PORT = 587

# ADD_TOKENS_TO_NOREPLY_ADDRESS = True
# TOKENIZED_NOREPLY_EMAIL_ADDRESS = "noreply-{token}@example.com"
# NOREPLY_EMAIL_ADDRESS = "noreply@example.com"

# PHYSICAL_ADDRESS = ""


################
## Email gateway integration.
import ldap
X = ldap.SCOPE_SUBTREE
`;
console.log(parseSettings(t));
const a = editSettings(t, {EMAIL_HOST: 'smtp.mailgun.org', EMAIL_HOST_USER: 'p@mg', EMAIL_PORT: 465, EMAIL_USE_TLS: false, EMAIL_USE_SSL: true, EMAIL_BACKEND: 'django.core.mail.backends.filebased.EmailBackend', EMAIL_FILE_PATH: '/var/log/zulip/emails', ADD_TOKENS_TO_NOREPLY_ADDRESS: false});
console.log(a);
console.log(await evaluateSettings(a, ['EMAIL_HOST','EMAIL_PORT','EMAIL_USE_SSL','X','NOPE']));
const b = editSettings(a, {EMAIL_BACKEND: null, EMAIL_FILE_PATH: null, EMAIL_PORT: 587, EMAIL_USE_TLS: true, EMAIL_USE_SSL: false});
console.log(b);
