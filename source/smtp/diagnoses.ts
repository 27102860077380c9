import {getProvider, POSTMARK_LOGIN, recogniseProvider} from '../engine/providers.js';
import {serviceWords, type ServiceWords} from '../engine/service-words.js';
import type {Diagnosis, DiagnosisId, Security, Sender, StepName} from './types.js';

/** What a message or fix may mention. Never holds the password. */
export interface DiagnosisContext {
	host: string;
	port: number;
	security: Security;
	/** EMAIL_HOST_USER. */
	user: string;
	/** The email_password secret is missing (null) rather than empty (''). */
	passwordMissing?: boolean;
	timeoutMs: number;
	step?: StepName;
	/** The step's own label, e.g. "EHLO example.com". */
	stepLabel?: string;
	sender?: Sender;
	/** RCPT TO address. */
	recipient?: string;
	/** Whether --to was given (recipient-rejected reads differently without it). */
	recipientGiven?: boolean;
	/** EMAIL_FILE_PATH and the user who must write there. */
	filePath?: string;
	fileUser?: string;
	/** The fix for the path that actually blocks (a parent the user cannot enter), when it is not EMAIL_FILE_PATH itself. */
	fileFix?: string;
	/** Which credential has non-ASCII characters. */
	nonAsciiField?: 'username' | 'password';
	/** The files in use (--settings, --secrets), so a fix names them rather than /etc/zulip's. */
	settingsPath?: string;
	secretsPath?: string;
	/** The plain noreply address the server accepted as sender, if it did (the tokenized one's fix builds on it). */
	acceptedNoreply?: string;
	/** mail-stuck: the MTA on this machine, what became of the mail, and which mail. */
	mta?: {readonly kind?: 'exim' | 'postfix' | 'sendmail'; readonly name?: string; readonly fate: string; readonly mail: string};
	/** About the local mail server on this Zulip (zulip.conf's [postfix] uninstall): appended to the fixes that install or reconfigure Postfix. */
	localServerNote?: string;
}

const isLocal = (c: DiagnosisContext) => /^(localhost|127\.\d+\.\d+\.\d+|::1)$/i.test(c.host);
const withLocalNote = (c: DiagnosisContext, fix: string) => (c.localServerNote ? `${fix} ${c.localServerNote}` : fix);

/** What an MTA on this machine did with a mail, in words. */
const fateWords: Record<string, string> = {
	bounced: 'then failed it (bounced)',
	frozen: 'then froze it in its queue',
	deferred: 'could not pass it on and keeps retrying (deferred)',
	queued: 'has not passed it on yet',
};

/** How to make the MTA on this machine send mail out, by MTA and by what it did. */
function stuckFix(c: DiagnosisContext): string {
	const kind = c.mta?.kind;
	const exim = 'Exim (Debian): run `dpkg-reconfigure exim4-config` and choose "internet site; mail is sent and received directly using SMTP", or "mail sent by smarthost; received via SMTP or fetchmail" with your relay\'s host and port; "local delivery only" (the default) keeps every mail on this machine.';
	const postfix = 'Postfix: set `relayhost = [smtp.example.com]:587` (with smtp_sasl_* for its login) in /etc/postfix/main.cf, or, if `dpkg-reconfigure postfix` was answered "Local only", run it again and choose "Internet Site" or "Internet with smarthost".';
	const how = kind === 'exim' ? exim : kind === 'postfix' ? postfix : `${exim} ${postfix}`;
	const deferred = c.mta?.fate === 'deferred'
		? 'The reply (detail) says why the next hop was not reached; if this host\'s provider blocks outbound port 25, send through a smarthost on port 587. '
		: '';
	const fix = `${deferred}${how} Or let Zulip send through a relay provider directly (\`--provider mailgun\`, sendgrid, …). Then run the test again.`;
	// Zulip's removal of postfix is news only where Postfix is (or may be) the mail server.
	return kind === 'exim' ? fix : withLocalNote(c, fix);
}

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

interface DiagnosisEntry {
	/** One line for the README table: what the id means. */
	readonly meaning: string;
	/** The fix in general terms (the README table); `fixFor` makes it concrete. */
	readonly fix: string;
	readonly message: (context: DiagnosisContext) => string;
	/** The fix for this host, port, user or sender; `fix` when absent. */
	readonly fixFor?: (context: DiagnosisContext) => string;
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
const where = (c: DiagnosisContext) => `${c.host}:${c.port}`;
const passwordFlags = '`--password-file PATH` or `--password-stdin`';
const secretsFile = '/etc/zulip/zulip-secrets.conf';
const secretsOf = (c: DiagnosisContext) => c.secretsPath ?? secretsFile;
const settingsOf = (c: DiagnosisContext) => c.settingsPath ?? '/etc/zulip/settings.py';

/** The usual ports, as the fixes offer them: never the one that just failed. */
const USUAL_ENDPOINTS: ReadonlyArray<{port: number; words: string; flags: string}> = [
	{port: 587, words: '587 with STARTTLS', flags: '`--port 587 --security starttls`, `EMAIL_USE_TLS = True`'},
	{port: 465, words: '465 with SSL/TLS', flags: '`--port 465 --security ssl`, `EMAIL_USE_SSL = True`'},
	{port: 2525, words: '2525 with STARTTLS', flags: '`--port 2525 --security starttls`, offered by many relays'},
];

function otherPorts(c: DiagnosisContext): string {
	const others = USUAL_ENDPOINTS.filter(endpoint => endpoint.port !== c.port).map(endpoint => `${endpoint.words} (${endpoint.flags})`);
	return `${others.slice(0, -1).join(', ')} or ${others.at(-1)!}`;
}

/** What this provider wants as credentials, for a login it refused; nothing for a server of one's own. */
function credentialAdvice(c: DiagnosisContext): string {
	const {providerId} = recogniseProvider(c.host, c.user);
	if (providerId === 'custom' || providerId === 'local' || providerId === 'file') return '';
	const provider = getProvider(providerId);
	if (providerId === 'ses') return ' Amazon SES wants the SMTP credentials made for this region (SES → SMTP settings); an IAM access key and its secret do not log in, though both usernames start with AKIA.';
	const parts = [provider.fixedUsername ? `the user is always ${provider.fixedUsername}` : provider.usernameHint ? `the user is ${provider.usernameHint}` : '', provider.passwordHint ? `the password is ${provider.passwordHint}` : ''].filter(Boolean);
	// Postmark refuses a right token too while SMTP is off for the server, or on the wrong host for a broadcast stream.
	const more = providerId === 'postmark' ? ` ${POSTMARK_LOGIN.notes}` : '';
	return parts.length > 0 ? ` ${provider.name}: ${parts.join('; ')}.${more}` : '';
}
/** Providers whose new accounts deliver only to verified recipients (a "sandbox"). */
function sandboxed(c: DiagnosisContext): boolean {
	const {providerId} = recogniseProvider(c.host, c.user);
	return providerId === 'ses' || providerId === 'mailgun';
}

/** Who sends through this host, in words true for it (a provider, the MTA on this machine, a relay). */
function service(c: DiagnosisContext): ServiceWords {
	return serviceWords(recogniseProvider(c.host, c.user).providerId);
}

const securityName: Record<Security, string> = {ssl: 'SSL/TLS from the first byte', starttls: 'STARTTLS', none: 'no TLS'};

/**
 * Every failure the live test can report: a stable id, what it means, the
 * sentence the admin reads and the concrete fix (setting, value, flag).
 * The README's diagnosis table is checked against this by a test.
 */
export const DIAGNOSES: Readonly<Record<DiagnosisId, DiagnosisEntry>> = {
	'dns-not-found': {
		meaning: 'EMAIL_HOST does not resolve to an address.',
		fix: 'Check the spelling of EMAIL_HOST (--host) against the provider\'s documentation; if it is right, check this server\'s DNS (/etc/resolv.conf).',
		message: c => `${c.host} does not resolve: DNS has no address for it.`,
		fixFor: c => `Check the spelling of EMAIL_HOST (\`--host ${c.host}\`) against ${service(c).docs}. If the name is right, check this server's DNS (/etc/resolv.conf).`,
	},
	'connection-refused': {
		meaning: 'Nothing accepts connections on that host and port, or a firewall rejects them.',
		fix: 'Check EMAIL_PORT (--port): usually 587 with `EMAIL_USE_TLS = True` (`--port 587 --security starttls`) or 465 with `EMAIL_USE_SSL = True` (`--port 465 --security ssl`).',
		message: c => `${where(c)} refused the connection: nothing listens on port ${c.port} there, or a firewall rejects it.`,
		fixFor: c => isLocal(c) && c.port === 25
			// The local-MTA choice on a server with no MTA installed: the fix is the MTA, not a port.
			? withLocalNote(c, 'No mail server runs on this machine: install and start one (`apt install postfix`, as an "Internet Site" or a smarthost relay), or choose a relay provider instead (`--provider mailgun`, sendgrid, …).')
			: `Nothing accepts connections on port ${c.port} there. Check EMAIL_PORT against ${service(c).docs}; the usual others are ${otherPorts(c)}.`,
	},
	'connection-timeout': {
		meaning: 'The connection attempt got no answer at all: an outbound firewall drops it.',
		fix: 'Ask the hosting provider to unblock outbound SMTP on EMAIL_PORT, or use a port it leaves open: 2525 with STARTTLS (`--port 2525 --security starttls`), 587 (`--port 587 --security starttls`) or 465 (`--port 465 --security ssl`). Check this server\'s own outbound firewall too.',
		message: c => `No answer from ${where(c)} within ${seconds(c.timeoutMs)}: something drops the connection, usually an outbound firewall.`,
		fixFor: c => `Many hosting providers block outbound SMTP ports (25, often 465 and 587 too): ask yours to unblock port ${c.port}, or use a port it leaves open: ${otherPorts(c)}. Also check this server's own outbound firewall rules (ufw, iptables, nftables).`,
	},
	'needs-ssl': {
		meaning: 'The port speaks TLS from the first byte but the settings expect plain SMTP or STARTTLS.',
		fix: 'Set `EMAIL_USE_SSL = True` and `EMAIL_USE_TLS = False` (`--security ssl`).',
		message: c => `${where(c)} waited for a TLS handshake while the connection expected a plain SMTP greeting.`,
		fixFor: c => `Port ${c.port} speaks TLS from the first byte. Set \`EMAIL_USE_SSL = True\` and \`EMAIL_USE_TLS = False\` (\`--security ssl\`).`,
	},
	'needs-starttls': {
		meaning: 'The port speaks plain SMTP first but the settings start TLS from the first byte.',
		fix: 'Set `EMAIL_USE_TLS = True` and `EMAIL_USE_SSL = False` (`--security starttls`).',
		message: c => `${where(c)} speaks plain SMTP first, so the TLS handshake from the first byte (EMAIL_USE_SSL) failed.`,
		fixFor: c => `Port ${c.port} expects a plain connection upgraded with STARTTLS. Set \`EMAIL_USE_TLS = True\` and \`EMAIL_USE_SSL = False\` (\`--security starttls\`).`,
	},
	'starttls-unavailable': {
		meaning: 'EMAIL_USE_TLS requires STARTTLS but the server does not offer it.',
		fix: 'Use the provider\'s TLS port: 587 with STARTTLS (`--port 587 --security starttls`) or 465 with `EMAIL_USE_SSL = True` (`--port 465 --security ssl`). Only for a relay on this machine or a network you trust: `EMAIL_USE_TLS = False` (`--security none`).',
		message: c => `${where(c)} does not offer STARTTLS, and EMAIL_USE_TLS = True makes it mandatory.`,
		fixFor: c => (recogniseProvider(c.host, c.user).providerId === 'local'
			// On this machine the mail never crosses a network: plain SMTP is what Zulip's docs set up.
			? 'The mail server on this machine does not offer STARTTLS, and on this machine the mail never crosses a network: set `EMAIL_USE_TLS = False` (`--security none`), as Zulip\'s docs do for a local mail server.'
			: `Use the TLS port of ${service(c).who}: 587 with STARTTLS (\`--port 587 --security starttls\`) or 465 with \`EMAIL_USE_SSL = True\` (\`--port 465 --security ssl\`). Only for a relay on this machine or a network you trust: \`EMAIL_USE_TLS = False\` (\`--security none\`).`),
	},
	'tls-required': {
		meaning: 'The server only accepts login or mail over TLS and the connection is plain.',
		fix: 'Set `EMAIL_USE_TLS = True` (`--security starttls`), or use port 465 with `EMAIL_USE_SSL = True` (`--port 465 --security ssl`).',
		message: c => `${where(c)} requires TLS before it accepts ${c.step === 'auth' ? 'a login' : 'mail'}, and EMAIL_USE_TLS and EMAIL_USE_SSL are both off.`,
		fixFor: c => (c.port === 465 ? 'Set `EMAIL_USE_SSL = True` and `EMAIL_USE_TLS = False` (`--security ssl`).' : DIAGNOSES['tls-required'].fix),
	},
	'certificate-untrusted': {
		meaning: 'The server\'s certificate is not signed by an authority this machine trusts.',
		fix: 'Check that EMAIL_HOST (--host) is the provider\'s real SMTP name. For an internal relay with its own CA, add the CA to the system trust store, which Django reads: copy it to `/usr/local/share/ca-certificates/relay-ca.crt` and run `update-ca-certificates` (`--ca-file PATH` only makes this test trust it).',
		message: c => `The certificate of ${c.host} is not signed by an authority this machine trusts, so Django refuses the connection.`,
		fixFor: c => `Check that EMAIL_HOST (--host) is the real SMTP name given in ${service(c).docs}. For an internal relay with its own CA, add the CA to the system trust store, which Django reads: copy it to \`/usr/local/share/ca-certificates/relay-ca.crt\` and run \`update-ca-certificates\` (\`--ca-file PATH\` only makes this test trust it).`,
	},
	'certificate-hostname-mismatch': {
		meaning: 'The server\'s certificate is for other names than EMAIL_HOST.',
		fix: 'Set EMAIL_HOST to a name the certificate lists (`--host NAME`; the detail shows its names), usually the provider\'s documented SMTP host rather than an IP address or an alias.',
		message: c => `The certificate of ${where(c)} is not valid for the name ${c.host}, so Django refuses the connection.`,
		fixFor: c => `Set EMAIL_HOST to a name the certificate lists (\`--host NAME\`; the detail shows its names), usually the SMTP host named in ${service(c).docs} rather than an IP address or an alias.`,
	},
	'certificate-expired': {
		meaning: 'The server\'s certificate has expired or is not valid yet.',
		fix: 'The mail server\'s operator must renew its certificate (for your own relay: renew it, e.g. `certbot renew`, and reload the mail server). If EMAIL_HOST (--host) names an old server, point it at the provider\'s current SMTP host. Also check this machine\'s clock (`timedatectl`).',
		message: c => `The certificate of ${c.host} is outside its validity period, so Django refuses the connection.`,
		fixFor: c => `The mail server's operator must renew its certificate (for your own relay: renew it, e.g. \`certbot renew\`, and reload the mail server). If EMAIL_HOST (--host) names an old server, point it at the SMTP host named in ${service(c).docs}. Also check this machine's clock (\`timedatectl\`).`,
	},
	'tls-handshake-failed': {
		meaning: 'The server speaks TLS but broke the handshake off: no TLS version or cipher in common, or it wants a client certificate.',
		fix: 'Zulip\'s Python uses the same OpenSSL rules, so Zulip fails the same way: the mail server needs TLS 1.2 or later with current ciphers and no client certificate (update its TLS settings), or use another host or port (--host, --port) whose TLS is current.',
		message: c => `The TLS handshake with ${where(c)} failed: the server broke it off${c.step === 'greeting' ? ' before its greeting' : ''}.`,
		fixFor: c => `Zulip's Python uses the same OpenSSL rules, so Zulip fails the same way: ${recogniseProvider(c.host, c.user).providerId === 'custom' || recogniseProvider(c.host, c.user).providerId === 'local' ? 'the mail server needs TLS 1.2 or later with current ciphers and no client certificate (update its TLS settings), or' : 'check the host and port against ' + service(c).docs + ', or'} use another host or port (--host, --port) whose TLS is current.`,
	},
	'auth-failed': {
		meaning: 'The server rejected EMAIL_HOST_USER with the email_password secret.',
		fix: `Check EMAIL_HOST_USER (--username) in /etc/zulip/settings.py and email_password in ${secretsFile} (${passwordFlags}). Many providers want SMTP credentials rather than the account password: Amazon SES SMTP credentials (not IAM access keys), SendGrid user "apikey" with an API key, a Gmail app password.`,
		message: c => `${c.host} rejected the login of ${c.user}.`,
		fixFor: c => `Check EMAIL_HOST_USER (--username) in ${settingsOf(c)} and email_password in ${secretsOf(c)} (${passwordFlags}).${credentialAdvice(c)}`,
	},
	'auth-required': {
		meaning: 'The server requires a login and no EMAIL_HOST_USER is set.',
		fix: `Set EMAIL_HOST_USER (\`--username USER\`) in /etc/zulip/settings.py and email_password in ${secretsFile} (${passwordFlags}).`,
		message: c => `${c.host} requires a login, and EMAIL_HOST_USER is empty, so Django does not log in.`,
		fixFor: c => `Set EMAIL_HOST_USER (\`--username USER\`) in ${settingsOf(c)} and email_password in ${secretsOf(c)} (${passwordFlags}).${credentialAdvice(c)}`,
	},
	'auth-unsupported': {
		meaning: 'A user and password are set but the server offers no login method Django can use.',
		fix: 'If this relay accepts mail without a login (a local MTA, an IP-authorized relay), set `EMAIL_HOST_USER = ""` (`--username \'\'`); otherwise use the provider\'s submission port: 587 with STARTTLS (`--port 587 --security starttls`).',
		message: c => `${where(c)} offers no login (AUTH with CRAM-MD5, PLAIN or LOGIN), but EMAIL_HOST_USER and email_password are set, so Django fails.`,
		fixFor: c => `If this relay accepts mail without a login (a local MTA, an IP-authorized relay), set \`EMAIL_HOST_USER = ""\` (\`--username ''\`); otherwise use the submission port of ${service(c).who}: 587 with STARTTLS (\`--port 587 --security starttls\`).`,
	},
	'app-password-required': {
		meaning: 'The account has two-step verification: the server wants an app password.',
		fix: `Create an app password (Google: Account → Security → 2-Step Verification → App passwords) and store it as email_password in ${secretsFile} (${passwordFlags}). Google's "less secure apps" switch, which older guides suggest, no longer exists.`,
		message: c => `${c.host} wants an app password for ${c.user}, not the account's normal password.`,
		fixFor: c => `Create an app password (Google: Account → Security → 2-Step Verification → App passwords) and store it as email_password in ${secretsOf(c)} (${passwordFlags}). Google's "less secure apps" switch, which older guides suggest, no longer exists.`,
	},
	'basic-auth-disabled': {
		meaning: 'Microsoft 365 refuses password logins (Basic auth) for SMTP AUTH in this tenant or for this mailbox (535 5.7.139, 550 5.7.30).',
		fix: `A tenant admin turns SMTP AUTH back on: in Exchange Online PowerShell \`Set-TransportConfig -SmtpClientAuthenticationDisabled $false\` (Exchange admin center → Settings → Mail flow: "Turn off SMTP AUTH protocol for your organization" unchecked) and for the mailbox \`Set-CASMailbox -Identity MAILBOX -SmtpClientAuthenticationDisabled $false\` ("Authenticated SMTP"); Security defaults also block it. This works only until Microsoft's final removal of Basic auth (announced for the second half of 2027): Zulip cannot log in with OAuth2, so move to a relay that takes a password: a transactional service (\`--provider mailgun\`, postmark, ses…) or Azure Communication Services' SMTP relay (smtp.azurecomm.net, 587, STARTTLS).`,
		message: c => `${c.host} refuses password logins for ${c.user}: Basic authentication for SMTP AUTH is turned off in this Microsoft 365 tenant (or for this mailbox), not a wrong password.`,
		fixFor: c => `A tenant admin turns SMTP AUTH back on: in Exchange Online PowerShell \`Set-TransportConfig -SmtpClientAuthenticationDisabled $false\` (Exchange admin center → Settings → Mail flow: "Turn off SMTP AUTH protocol for your organization" unchecked) and for the mailbox \`Set-CASMailbox -Identity ${c.user || 'MAILBOX'} -SmtpClientAuthenticationDisabled $false\` ("Authenticated SMTP"); Security defaults also block it. This works only until Microsoft's final removal of Basic auth (announced for the second half of 2027): Zulip cannot log in with OAuth2, so move to a relay that takes a password: a transactional service (\`--provider mailgun\`, postmark, ses…) or Azure Communication Services' SMTP relay (smtp.azurecomm.net, 587, STARTTLS).`,
	},
	'sender-rejected': {
		meaning: 'The server refuses one of Zulip\'s envelope senders (ZULIP_ADMINISTRATOR, NOREPLY_EMAIL_ADDRESS, the tokenized noreply address).',
		fix: 'For the tokenized noreply address: TOKENIZED_NOREPLY_EMAIL_ADDRESS in a domain the account may send from (`--tokenized-noreply \'noreply-{token}@DOMAIN\'`), or `ADD_TOKENS_TO_NOREPLY_ADDRESS = False` (--no-tokens), safe unless anyone with an address in some domain may sign up; for the others: set ZULIP_ADMINISTRATOR or NOREPLY_EMAIL_ADDRESS (--noreply) to an address the account may send from, or allow the address at the provider.',
		message: c => {
			const address = c.sender?.address ?? '';
			if (c.sender?.role === 'noreply-plain') return `${c.host} refuses the noreply address ${address} (NOREPLY_EMAIL_ADDRESS) as sender: Zulip sends every invitation, password reset and notification with it as envelope sender.`;
			if (c.sender?.role === 'noreply-tokenized') return `${c.host} refuses the tokenized noreply address ${address} as sender.`;
			return `${c.host} refuses ${address} (ZULIP_ADMINISTRATOR, Zulip's default From) as sender.`;
		},
		fixFor: c => {
			const address = c.sender?.address ?? '';
			const domain = domainOf(address);
			const at = service(c).at;
			if (c.sender?.role === 'noreply-plain') return `Set NOREPLY_EMAIL_ADDRESS (\`--noreply ADDRESS\`) to an address this account may send from, or allow ${address} ${at} (verify the address or its domain).`;
			if (c.sender?.role !== 'noreply-tokenized') return `Set ZULIP_ADMINISTRATOR in ${settingsOf(c)} to an address this account may send from, or allow ${address} ${at} (verify the address or its domain).`;
			const tokensOff = 'Or set `ADD_TOKENS_TO_NOREPLY_ADDRESS = False` (--no-tokens): safe unless your organization lets anyone with an email address in some domain sign up, where the tokens stop the "helpdesk attack".';
			const accepted = c.acceptedNoreply;
			if (accepted && domainOf(accepted) !== domain) {
				// The relay takes the plain noreply's domain: keep the tokens, move them there.
				const template = `noreply-{token}@${domainOf(accepted)}`;
				return `Set \`TOKENIZED_NOREPLY_EMAIL_ADDRESS = "${template}"\` (\`--tokenized-noreply '${template}'\`): the server accepted ${accepted}, so this account may send from that domain, and the anti-phishing tokens stay. ${tokensOff}`;
			}

			if (accepted) {
				return `The server accepts ${accepted} but not other addresses in ${domain}: verify the whole domain ${domain} ${at}, or set TOKENIZED_NOREPLY_EMAIL_ADDRESS to a domain this account may send any address from (\`--tokenized-noreply 'noreply-{token}@DOMAIN'\`). ${tokensOff}`;
			}

			return `Let this account send from any address in ${domain} ${at} (verify the domain), or set TOKENIZED_NOREPLY_EMAIL_ADDRESS to a domain it may (\`--tokenized-noreply 'noreply-{token}@DOMAIN'\`). ${tokensOff}`;
		},
	},
	'recipient-rejected': {
		meaning: 'The server refuses the test recipient.',
		fix: 'Check the --to address; accounts still in a provider\'s sandbox (Amazon SES, Mailgun\'s sandbox domain) deliver only to verified recipients.',
		message: c => `${c.host} refuses the recipient ${c.recipient ?? ''}.`,
		fixFor: c => (c.recipientGiven
			? `Check the address given with --to.${sandboxed(c) ? ` An account still in ${service(c).who}'s sandbox delivers only to verified recipients: verify ${c.recipient ?? 'it'} or leave the sandbox.` : ` If it is right, the reply (detail) says why ${service(c).who} refuses it.`}`
			: `Without --to the check uses the default From address as recipient; pass \`--to ADDRESS\` with a mailbox ${service(c).who} delivers to.`),
	},
	'relay-denied': {
		meaning: 'The server refuses to relay mail from this machine to other domains, and offers no login that would change that.',
		fix: 'Let this machine relay through that server (its relay rules: Postfix mynetworks, Exim relay_from_hosts / dc_relay_nets), or send through a relay provider with a login (`--provider mailgun`, sendgrid, …). No EMAIL_HOST_USER helps: the server offers no AUTH.',
		message: c => `${c.host} refuses to relay mail to ${c.recipient ?? 'other domains'} for this machine, and offers no login.`,
		fixFor: c => (isLocal(c)
			? withLocalNote(c, 'The mail server on this machine does not count this connection among the hosts it relays for. Exim (Debian): add the address Zulip connects from to "IP-addresses to allow relay for" in `dpkg-reconfigure exim4-config` (dc_relay_nets; 127.0.0.1 and ::1 are always in it, so EMAIL_HOST = localhost works); Postfix: add it to mynetworks in /etc/postfix/main.cf. Or send through a relay provider with a login (`--provider mailgun`, sendgrid, …).')
			: `${c.host} relays only for hosts it trusts and offers no login (no AUTH in its EHLO), so no EMAIL_HOST_USER helps: ask its operator to allow this server's address, or use its submission port with a login if it has one (587 with STARTTLS, \`--port 587 --security starttls\`), or send through a relay provider (\`--provider mailgun\`, sendgrid, …).`),
	},
	'mail-stuck': {
		meaning: 'The mail server on this machine accepted the test mail but did not send it on: it bounced, froze or deferred it (or kept it past the deadline).',
		fix: 'Make the mail server send mail out: Exim (Debian): `dpkg-reconfigure exim4-config` → "internet site" or "mail sent by smarthost"; Postfix: `relayhost` in main.cf, or another answer than "Local only" to `dpkg-reconfigure postfix`. Or send through a relay provider (`--provider mailgun`, sendgrid, …).',
		message: c => `${c.mta?.name ?? 'The mail server'} on this machine accepted ${c.mta?.mail ?? 'the test mail'} but ${fateWords[c.mta?.fate ?? 'queued'] ?? 'did not send it on'}: Zulip's mail would end the same way.`,
		fixFor: stuckFix,
	},
	'message-rejected': {
		meaning: 'The server accepted sender and recipient but rejected the message itself.',
		fix: 'The server\'s reply (detail) names the policy: content filter, size, sending quota or an unverified From domain. Fix that at the provider, then run the test again with --to.',
		message: c => `${c.host} accepted the envelope but rejected the message${c.sender ? ` from ${c.sender.address}` : ''}.`,
		fixFor: c => `The server's reply (detail) names the policy: content filter, size, sending quota or an unverified From domain. Fix that ${service(c).at}, then run the test again with --to.`,
	},
	'temporary-failure': {
		meaning: 'The server answered with a temporary (4xx) failure.',
		fix: 'Nothing in the settings is known to be wrong: run the test again in a few minutes (`zulip-email-setup --check`). If it persists, the reply (detail) says why (greylisting, rate limit, account under review): ask the provider.',
		message: c => `${c.host} answered with a temporary failure${c.stepLabel ? ` to ${c.stepLabel}` : ''}.`,
		fixFor: c => `Nothing in the settings is known to be wrong: run the test again in a few minutes (\`zulip-email-setup --check\`). If it persists, the reply (detail) says why (greylisting, rate limit, account under review)${recogniseProvider(c.host, c.user).providerId === 'local' ? `; ${service(c).log} tells more` : `: ask ${service(c).who}`}.`,
	},
	timeout: {
		meaning: 'The server stopped answering in the middle of the session.',
		fix: 'Run the test again; if it stalls at the same step, the server or a middlebox on the path is the problem. `--timeout SECONDS` gives a slow server more time, but Zulip gives up after 15 s (EMAIL_TIMEOUT).',
		message: c => `${where(c)} gave no answer${c.stepLabel ? ` to ${c.stepLabel}` : ''} within ${seconds(c.timeoutMs)}.`,
		fixFor: c => `Run the test again; if it stalls at the same step, the server or a middlebox on the path is the problem${c.step === 'greeting' ? ` (or port ${c.port} expects TLS from the first byte: \`--security ssl\`)` : ''}. \`--timeout SECONDS\` gives a slow server more time, but Zulip gives up after 15 s (EMAIL_TIMEOUT).`,
	},
	'protocol-error': {
		meaning: 'The other end did not speak SMTP as expected.',
		fix: 'Check that EMAIL_HOST and EMAIL_PORT (--host, --port) point at an SMTP server and that the TLS mode fits the port: SSL/TLS on 465 (`--security ssl`), STARTTLS on 587 (`--security starttls`).',
		message: c => `${where(c)} did not speak SMTP as expected${c.stepLabel ? ` (during ${c.stepLabel})` : ''}.`,
		fixFor: c => `Check that EMAIL_HOST and EMAIL_PORT (--host, --port) point at an SMTP server and that the TLS mode fits the port (now ${securityName[c.security]}): SSL/TLS on 465 (\`--security ssl\`), STARTTLS on 587 (\`--security starttls\`).`,
	},
	'file-backend-not-writable': {
		meaning: 'EMAIL_FILE_PATH is not a directory the zulip user can write.',
		fix: 'Run `install -d -o zulip -g zulip /var/log/zulip/emails` (the EMAIL_FILE_PATH directory), or choose another directory (`--file-path DIR`).',
		message: c => `${c.fileUser ?? 'zulip'} cannot write to EMAIL_FILE_PATH ${c.filePath ?? ''}, so Zulip cannot store mail there.`,
		fixFor: c => {
			if (c.fileFix) return c.fileFix;
			const user = c.fileUser ?? 'zulip';
			return `Run \`install -d -o ${user} -g ${user} ${c.filePath ?? '/var/log/zulip/emails'}\` (or \`chown ${user}:${user}\` it), or choose another directory (\`--file-path DIR\`).`;
		},
	},
	'credentials-not-ascii': {
		meaning: 'EMAIL_HOST_USER or email_password has non-ASCII characters, which Django cannot send.',
		fix: `Python's smtplib encodes the login as ASCII, so every send fails with UnicodeEncodeError: create an ASCII-only SMTP password at the provider and store it (${passwordFlags}), or fix EMAIL_HOST_USER (--username).`,
		message: c => `Zulip cannot log in to ${c.host}: the ${c.nonAsciiField ?? 'password'} has non-ASCII characters and Python's smtplib sends the login as ASCII only.`,
		fixFor: c => `Python's smtplib encodes the login as ASCII, so every send fails with UnicodeEncodeError: create an ASCII-only SMTP password ${service(c).at} and store it (${passwordFlags}), or fix EMAIL_HOST_USER (--username).`,
	},
	'password-without-user': {
		meaning: 'The server requires a login; email_password is set but EMAIL_HOST_USER is empty.',
		fix: 'Set EMAIL_HOST_USER (`--username USER`) to the SMTP user name.',
		message: c => `${c.host} requires a login. email_password is set but EMAIL_HOST_USER is empty, and Django logs in only when both are set.`,
	},
	'user-without-password': {
		meaning: 'The server requires a login; EMAIL_HOST_USER is set but email_password is missing or empty.',
		fix: `Add email_password under [secrets] in ${secretsFile} (${passwordFlags}), or set \`EMAIL_HOST_USER = ""\` (\`--username ''\`) if the server needs no login.`,
		message: c => `${c.host} requires a login. EMAIL_HOST_USER is ${c.user} but email_password is ${c.passwordMissing ? 'missing from' : 'empty in'} ${secretsOf(c)}, so Django does not log in.`,
		fixFor: c => `Add email_password under [secrets] in ${secretsOf(c)} (${passwordFlags}), or set \`EMAIL_HOST_USER = ""\` (\`--username ''\`) if the server needs no login.`,
	},
	'not-configured': {
		meaning: 'Zulip has no outgoing email backend configured: mail is dropped.',
		fix: 'Run zulip-email-setup and choose a provider (`--provider ID` with `--non-interactive`).',
		message: () => 'No EMAIL_HOST is set, so Zulip silently drops every email.',
	},
	cancelled: {
		meaning: 'The test was cancelled before it finished.',
		fix: 'Run the test again when ready (`zulip-email-setup --check`).',
		message: () => 'The test was cancelled.',
	},
};

/**
 * A fix as the wizard says it: the wizard offers the change itself, so the
 * command-line flags in parentheses (for --non-interactive and --check) go.
 */
export function wizardWords(fix: string): string {
	return fix
		.replace(/ ?\((?:[^()]*?\s)?`?--[a-z][^()]*\)/g, '')
		.replace(/ \(`?zulip-email-setup --check`?\)/g, '')
		.replace(/the address given with --to|the --to address/g, 'the recipient address')
		.replace(/ with --to\b/g, '')
		.replace(/ `?--timeout SECONDS`? gives a slow server more time, but/, ' A slow server may get more time, but')
		.replace(/\s+([.,;:])/g, '$1');
}

/** Build the diagnosis for an id in a context. */
export function diagnose(id: DiagnosisId, context: DiagnosisContext, detail?: string): Diagnosis {
	const entry = DIAGNOSES[id];
	const diagnosis: Diagnosis = {id, message: entry.message(context), fix: entry.fixFor?.(context) ?? entry.fix};
	if (detail) diagnosis.detail = detail;
	return diagnosis;
}
