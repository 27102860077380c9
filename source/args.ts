import {parseArgs} from 'node:util';
import {parseDkimSelectors, parseDnsServer} from './dns/flags.js';
import type {GivenAnswers} from './engine/answers.js';
import {DEFAULT_PATHS, type ConfigPaths} from './engine/current-config.js';
import {UsageError} from './engine/errors.js';
import {isProviderId, PROVIDER_IDS, type ProviderId} from './engine/providers.js';
import {parsePort} from './engine/validate.js';
import {parseDuration} from './logs/duration.js';
import type {Security} from './smtp/types.js';

/*
 * The flags are parsed and checked once, here: every face (the wizard, the
 * non-interactive run, the sandbox) reads the same typed values, and a
 * malformed flag is a usage error before anything is read or drawn.
 */

function provider(value: string): ProviderId {
	if (!isProviderId(value)) throw new UsageError(`Unknown --provider "${value}".`, `Use one of: ${PROVIDER_IDS.join(', ')}.`);
	return value;
}

function port(value: string): number {
	const parsed = parsePort(value);
	if (parsed === undefined) throw new UsageError(`--port must be a whole number from 1 to 65535, not "${value}".`);
	return parsed;
}

function security(value: string): Security {
	if (value === 'starttls' || value === 'ssl' || value === 'none') return value;
	throw new UsageError(`--security must be starttls, ssl or none, not "${value}".`);
}

/** Seconds on the command line, milliseconds for the engine. */
function timeout(value: string): number {
	const seconds = Number(value);
	// Below a second no real server completes a step; 0 would fail every test at once.
	if (!Number.isFinite(seconds) || seconds < 1 || seconds > 600) throw new UsageError(`--timeout must be a number of seconds from 1 to 600, not "${value}".`);
	return Math.round(seconds * 1000);
}

/** --since: a window such as 24h or 7d, kept as written (it names the window in the report). */
function since(value: string): string {
	if (parseDuration(value) === undefined) throw new UsageError(`--since must be a duration such as 30m, 24h, 7d or 2w, not "${value}".`);
	return value.trim();
}

function monitor(value: string): 'nagios' | 'prometheus' {
	if (value === 'nagios' || value === 'prometheus') return value;
	throw new UsageError(`--monitor must be nagios or prometheus, not "${value}".`);
}

/** Every flag, with its help line. Every prompt of the wizard has one (README "Flags"). */
export const FLAGS = {
	'non-interactive': {type: 'boolean', help: 'No prompts: every answer from flags; a missing one exits 2 naming the flag.'},
	settings: {type: 'string', value: 'PATH', help: 'settings.py to edit (default /etc/zulip/settings.py).'},
	secrets: {type: 'string', value: 'PATH', help: 'zulip-secrets.conf to edit (default /etc/zulip/zulip-secrets.conf).'},
	docker: {type: 'string', value: 'DIR', help: 'Configure a docker-zulip Compose directory (compose.override.yaml, .env) instead of /etc/zulip.'},
	'helm-values': {type: 'string', value: 'FILE', help: 'Configure docker-zulip\'s Helm chart: this values file, and a Secret manifest beside it.'},
	'helm-chart-version': {type: 'string', value: 'V', help: 'With --helm-values: the chart version your release runs (helm list shows it), pinned in the printed helm upgrade.'},
	namespace: {type: 'string', value: 'NS', help: 'With --helm-values: the Kubernetes namespace of the Zulip release.'},
	provider: {type: 'string', value: 'ID', help: 'mailgun sendgrid ses gmail postmark brevo mailjet smtp2go office365 zoho fastmail resend local file custom.', parse: provider},
	region: {type: 'string', value: 'R', help: 'Amazon SES region (e.g. eu-west-1), or Zoho data centre and kind of account (e.g. eu-pro, eu-free; a bare eu takes the kind from --username).'},
	host: {type: 'string', value: 'HOST', help: 'SMTP host (EMAIL_HOST).'},
	port: {type: 'string', value: 'N', help: 'SMTP port (EMAIL_PORT).', parse: port},
	security: {type: 'string', value: 'MODE', help: 'starttls (EMAIL_USE_TLS), ssl (EMAIL_USE_SSL) or none.', parse: security},
	username: {type: 'string', value: 'U', help: 'SMTP user (EMAIL_HOST_USER); empty means no authentication.'},
	'password-file': {type: 'string', value: 'PATH', help: 'Read the SMTP password from this file (its only line).'},
	'password-stdin': {type: 'boolean', help: 'Read the SMTP password from standard input (its only line).'},
	'fix-secrets-mode': {type: 'boolean', help: 'Make a world-readable secrets file 0640 (Zulip\'s own mode) while writing.'},
	'keep-password': {type: 'boolean', help: 'Keep the email_password already in the secrets file.'},
	'allow-plaintext-password': {type: 'boolean', help: 'Send the password without TLS (--security none) to a host that is not this machine.'},
	noreply: {type: 'string', value: 'ADDRESS', help: 'NOREPLY_EMAIL_ADDRESS.'},
	tokens: {type: 'boolean', help: 'ADD_TOKENS_TO_NOREPLY_ADDRESS = True (Zulip\'s default).'},
	'no-tokens': {type: 'boolean', help: 'ADD_TOKENS_TO_NOREPLY_ADDRESS = False: send from the plain noreply address.'},
	'tokenized-noreply': {type: 'string', value: 'ADDRESS', help: 'TOKENIZED_NOREPLY_EMAIL_ADDRESS, with {token}, e.g. \'noreply-{token}@mg.example.com\': keeps the tokens in a domain the relay accepts.'},
	'file-path': {type: 'string', value: 'DIR', help: 'EMAIL_FILE_PATH for the file backend (default /var/log/zulip/emails).'},
	'dry-run': {type: 'boolean', help: 'Print the diff of both files (password masked) and write nothing.'},
	json: {type: 'boolean', help: 'Print exactly one JSON object on stdout.'},
	check: {type: 'boolean', help: 'Test the configuration on disk as Zulip reads it; change nothing.'},
	'check-dns': {type: 'boolean', help: 'Only check SPF, DKIM, DMARC and MX of the From domains; exit 1 on an error-level finding.'},
	'dns-server': {type: 'string', value: 'HOST[:PORT]', parse: parseDnsServer, help: "Resolver for the DNS checks (an IP address), instead of the system's (or $ZULIP_EMAIL_SETUP_DNS_SERVER)."},
	'dkim-selector': {type: 'string', value: 'NAME', parse: parseDkimSelectors, help: 'DKIM selector to check (the provider shows it); several: NAME,NAME.'},
	'skip-test': {type: 'boolean', help: 'Write without the live test.'},
	'confirm-with-zulip': {type: 'boolean', help: 'After a passing test (and the restart, if any), run Zulip\'s own manage.py send_test_email --to ADDRESS as the zulip user.'},
	deployment: {type: 'string', value: 'DIR', help: 'Zulip\'s deployment: version.py (the release) and manage.py (default /home/zulip/deployments/current).'},
	to: {type: 'string', value: 'ADDRESS', help: 'Send the test mails to this address (otherwise senders are only checked).'},
	timeout: {type: 'string', value: 'SECONDS', help: 'Deadline of each SMTP step (default 15, as Zulip; the TCP connect gets 5).', parse: timeout},
	'ca-file': {type: 'string', value: 'PATH', help: 'Also trust this CA certificate (PEM), for an internal relay.'},
	transcript: {type: 'string', value: 'FILE', help: 'Write the SMTP dialogue, secrets masked, mode 0600.'},
	restart: {type: 'boolean', help: 'Restart Zulip after a successful test.'},
	'no-restart': {type: 'boolean', help: 'Do not restart (default in --non-interactive).'},
	'restart-command': {type: 'string', value: 'CMD', help: "Restart command (default: su zulip -c '/home/zulip/deployments/current/scripts/restart-server')."},
	logs: {type: 'boolean', help: 'Read Zulip\'s own send_email.log and errors.log: attempts and failures per day, failures by cause with the fix; exit 1 if any failed.'},
	'log-dir': {type: 'string', value: 'DIR', help: 'Where Zulip\'s logs are (default /var/log/zulip).'},
	since: {type: 'string', value: 'DURATION', parse: since, help: 'The logs\' window: 30m, 24h, 7d, 2w (default 7d; 24h with --monitor).'},
	'no-send': {type: 'boolean', help: 'With --check: MAIL FROM and RCPT TO for every sender, then RSET: nothing is ever sent, even with --to.'},
	monitor: {type: 'string', value: 'KIND', parse: monitor, help: 'nagios (one line, exit 0-3 with perfdata) or prometheus (metrics to --textfile): --check --no-send plus the logs.'},
	textfile: {type: 'string', value: 'FILE', help: 'With --monitor prometheus: the node_exporter textfile (*.prom), replaced atomically.'},
	'install-timer': {type: 'boolean', help: 'Install a daily systemd timer running --check --no-send with --monitor (and --textfile) as given.'},
	'uninstall-timer': {type: 'boolean', help: 'Remove the systemd timer --install-timer wrote.'},
	'unit-dir': {type: 'string', value: 'DIR', help: 'Where the timer\'s units go (default /etc/systemd/system, or $ZULIP_EMAIL_SETUP_UNIT_DIR).'},
	sandbox: {type: 'boolean', help: 'Try everything on throwaway files with a built-in SMTP relay; touches nothing else.'},
	'sandbox-dir': {type: 'string', value: 'DIR', help: 'Keep the sandbox in DIR (created if missing) for inspection.'},
	help: {type: 'boolean', short: 'h', help: 'Show this help.'},
	version: {type: 'boolean', help: 'Show the version.'},
	licenses: {type: 'boolean', help: 'Show the licence, and those of the packages (and, in an executable, the Node.js) it contains.'},
} as const;

type Flags = typeof FLAGS;
/** A flag's value: what its parse returns, else the string or boolean as given. */
type FlagValue<Flag> = Flag extends {parse: (value: string) => infer Parsed} ? Parsed : Flag extends {type: 'boolean'} ? boolean : string;

/**
 * The flags, typed and checked: --provider is a ProviderId, --port a number,
 * --security a Security, --timeout milliseconds. One value every face reads.
 */
export type Options = {
	-readonly [K in keyof Flags]?: FlagValue<Flags[K]>;
};

/** What a run is, read from argv once (after create-astro's getContext): the flags and what they mean together. */
export interface Context {
	readonly options: Options;
	/** settings.py and zulip-secrets.conf: --settings and --secrets, else /etc/zulip's. */
	readonly paths: ConfigPaths;
	/** No prompts: --non-interactive, or a flag that is for scripts (--check, --check-dns, --dry-run, --json). */
	readonly nonInteractive: boolean;
}

export function getContext(argv: readonly string[]): Context {
	const options = parseOptions(argv);
	return {
		options,
		paths: {settings: options.settings ?? DEFAULT_PATHS.settings, secrets: options.secrets ?? DEFAULT_PATHS.secrets, deployment: options.deployment ?? DEFAULT_PATHS.deployment},
		nonInteractive: Boolean(options['non-interactive'] || options.check || options['check-dns'] || options['dry-run'] || options.json || options.logs || options['install-timer'] || options['uninstall-timer']),
	};
}

export function parseOptions(argv: readonly string[]): Options {
	const options = Object.fromEntries(
		Object.entries(FLAGS).map(([name, flag]) => [name, 'short' in flag ? {type: flag.type, short: flag.short} : {type: flag.type}]),
	) as Record<string, {type: 'boolean' | 'string'; short?: string}>;
	try {
		// `--sandbox --docker` takes no directory: the sandbox makes its own.
		const args = argv.map((arg, index) => (arg === '--docker' && argv.includes('--sandbox') && (argv[index + 1] ?? '-').startsWith('-') ? '--docker=' : arg));
		const {values, positionals} = parseArgs({args, options, strict: true, allowPositionals: true});
		if (positionals.length > 0) {
			// A flag typed without its dashes (`sandbox`) is most likely that flag.
			const word = positionals[0]!;
			const flag = /^[a-z][a-z-]*$/i.test(word) ? nearestFlag(word) : undefined;
			throw new UsageError(`Unexpected argument "${word}".`, flag ? `Did you mean --${flag}? (zulip-email-setup --help lists the flags.)` : 'Run zulip-email-setup --help for the flags.');
		}
		const parsed: Record<string, unknown> = {...values};
		for (const [name, flag] of Object.entries(FLAGS)) {
			const value = parsed[name];
			if ('parse' in flag && typeof value === 'string') parsed[name] = flag.parse(value);
		}

		return checked(parsed as Options);
	} catch (error) {
		if (error instanceof UsageError) throw error;
		const message = (error as Error).message;
		if (/'--password(=|'|\b)/.test(message) && !/password-(file|stdin)/.test(message)) {
			// A password in argv is visible to every user via ps and lands in shell history.
			throw new UsageError('Passwords are never taken from the command line.', 'Use --password-file PATH, --password-stdin or the ZULIP_EMAIL_PASSWORD environment variable.');
		}

		const unknown = /Unknown option '(--?[^']+)'/.exec(message)?.[1];
		const nearest = unknown === undefined ? undefined : nearestFlag(unknown);
		throw new UsageError(message.replace(/\. To specify a positional argument.*$/s, '.'), nearest ? `Did you mean --${nearest}? (zulip-email-setup --help lists the flags.)` : 'Run zulip-email-setup --help for the flags.');
	}
}

/** The flag a mistyped one most likely meant (--provdier → provider), if one is close enough to be a typo. */
export function nearestFlag(typed: string): string | undefined {
	const name = typed.replace(/^-+/, '').replace(/=.*$/, '').toLowerCase();
	// The start of a flag (--helm for --helm-values) means that flag, before any typo that is closer in letters (--help).
	const started = Object.keys(FLAGS).filter(flag => name.length >= 3 && flag.startsWith(name));
	if (started.length > 0) return started.reduce((best, flag) => (editDistance(name, flag) < editDistance(name, best) ? flag : best));
	let best: {flag: string; distance: number} | undefined;
	for (const flag of Object.keys(FLAGS)) {
		const distance = editDistance(name, flag);
		if (!best || distance < best.distance) best = {flag, distance};
	}

	// A swap or two of letters, or a dropped one: more than that is another word, not a typo.
	const allowed = Math.max(1, Math.min(3, Math.floor(name.length / 3)));
	return best && best.distance <= allowed ? best.flag : undefined;
}

/** Damerau-Levenshtein (optimal string alignment): a swap of two neighbours costs one, as typos do. */
function editDistance(a: string, b: string): number {
	const rows = Array.from({length: a.length + 1}, (_, i) => Array.from({length: b.length + 1}, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
	for (let i = 1; i <= a.length; i++) {
		for (let j = 1; j <= b.length; j++) {
			const cost = a[i - 1] === b[j - 1] ? 0 : 1;
			let value = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
			if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, rows[i - 2]![j - 2]! + 1);
			rows[i]![j] = value;
		}
	}

	return rows[a.length]![b.length]!;
}

/** Flags that contradict each other, or only make sense together. */
function checked(parsed: Options): Options {
	if (parsed.tokens && parsed['no-tokens']) throw new UsageError('--tokens and --no-tokens contradict each other.', 'Pass only one of them.');
	if (parsed['tokenized-noreply'] !== undefined && parsed['no-tokens']) throw new UsageError('--tokenized-noreply and --no-tokens contradict each other: the tokenized address is used only with tokens on.', 'Pass only one of them.');
	if (parsed['sandbox-dir'] !== undefined && !parsed.sandbox) throw new UsageError('--sandbox-dir only makes sense with --sandbox.', 'Add --sandbox, or drop --sandbox-dir.');
	if (parsed.docker !== undefined && parsed['helm-values'] !== undefined) throw new UsageError('--docker and --helm-values name two different deployments.', 'Pass only one of them.');
	if (parsed['helm-values'] === undefined && (parsed['helm-chart-version'] !== undefined || parsed.namespace !== undefined)) throw new UsageError('--helm-chart-version and --namespace describe a Helm release.', 'Pass them with --helm-values FILE.');
	if ((parsed.docker !== undefined || parsed['helm-values'] !== undefined) && (parsed.settings !== undefined || parsed.secrets !== undefined)) {
		throw new UsageError('--settings and --secrets name files on this machine; with --docker or --helm-values the settings live in the deployment\'s files.', 'Drop --settings and --secrets.');
	}

	if (parsed['confirm-with-zulip'] && parsed.to === undefined) throw new UsageError('--confirm-with-zulip sends Zulip\'s two test mails: it needs --to ADDRESS.', 'Add --to with a mailbox you can read.');
	if (parsed.restart && parsed['no-restart']) throw new UsageError('--restart and --no-restart contradict each other.', 'Pass only one of them.');
	return checkedMonitor(parsed);
}

/** After the setup: --logs, --no-send, --monitor, the timer. A monitor only ever checks: --monitor means --check --no-send. */
function checkedMonitor(parsed: Options): Options {
	if (parsed['install-timer'] && parsed['uninstall-timer']) throw new UsageError('--install-timer and --uninstall-timer contradict each other.', 'Pass only one of them.');
	if (parsed.monitor === 'prometheus' && parsed.textfile === undefined) throw new UsageError('--monitor prometheus writes its metrics to a file: it needs --textfile FILE.', 'Add --textfile with a path in node_exporter\'s textfile directory, e.g. /var/lib/prometheus/node-exporter/zulip_email.prom.');
	if (parsed.textfile !== undefined && parsed.monitor !== 'prometheus') throw new UsageError('--textfile is where --monitor prometheus writes.', 'Add --monitor prometheus, or drop --textfile.');
	if (parsed['install-timer'] && parsed.monitor === undefined) throw new UsageError('--install-timer runs the check with a monitor\'s output: it needs --monitor nagios or --monitor prometheus --textfile FILE.', 'Add --monitor nagios (the journal keeps its line) or --monitor prometheus --textfile FILE.');
	if (parsed['no-send'] && !parsed.check && parsed.monitor === undefined && !parsed['install-timer']) throw new UsageError('--no-send is for --check.', 'Add --check.');
	if (parsed['no-send'] && parsed['confirm-with-zulip']) throw new UsageError('--no-send and --confirm-with-zulip contradict each other: Zulip\'s own test sends two mails.', 'Pass only one of them.');
	if (parsed['log-dir'] !== undefined && !parsed.logs && parsed.monitor === undefined) throw new UsageError('--log-dir is where --logs and --monitor read Zulip\'s logs.', 'Add --logs, or drop --log-dir.');
	if (parsed.monitor !== undefined && !parsed['install-timer'] && !parsed['uninstall-timer']) return {...parsed, check: true, 'no-send': true};
	return parsed;
}

/** The answers the flags give: the wizard preselects them, --non-interactive takes them as they are. */
export function givenAnswers(options: Options): GivenAnswers {
	return {
		providerId: options.provider,
		region: options.region,
		host: options.host,
		port: options.port,
		security: options.security,
		username: options.username,
		noreplyAddress: options.noreply,
		// A tokenized address given means tokens wanted.
		tokens: options.tokens || options['tokenized-noreply'] !== undefined ? true : options['no-tokens'] ? false : undefined,
		tokenizedNoreply: options['tokenized-noreply'],
		filePath: options['file-path'],
		to: options.to,
	};
}

/** Words of `text` in lines of at most `width` columns, the first after `first` columns, the rest after `hang`; a word longer than a line stays whole. */
function wrapWords(text: string, width: number, hang: number, first = hang): string[] {
	const lines: string[] = [];
	let line = '';
	let start = first;
	for (const word of text.split(/\s+/).filter(Boolean)) {
		if (line !== '' && start + line.length + 1 + word.length > width) {
			lines.push(line);
			line = '';
			start = hang;
		}

		line += (line === '' ? '' : ' ') + word;
	}

	lines.push(line);
	return lines;
}

/** Where the flags' descriptions start: after the longest flag that leaves them room, two spaces apart. */
const HELP_COLUMN = 30;
const USAGE_COLUMN = 41;

/**
 * --help at the terminal's width (80 when not a terminal): every line fits,
 * a description wraps under itself (a hanging indent), and a flag too long
 * for its column, or a terminal too narrow for two columns, puts the
 * description on the next line instead of running into it.
 */
export function helpText(version: string, columns = 80): string {
	const width = Math.max(40, columns);
	const out: string[] = [];
	const paragraph = (text: string, hang = 0, lead = '') => {
		const lines = wrapWords(text, width, hang, lead.length);
		// A word wider than what the indent leaves (a long path) moves left so the line still fits.
		const indent = (spaces: number, line: string) => ' '.repeat(Math.max(0, Math.min(spaces, width - line.length)));
		out.push((lead.trim() === '' ? indent(lead.length, lines[0]!) : lead) + lines[0]!, ...lines.slice(1).map(line => indent(hang, line) + line));
	};

	paragraph(`zulip-email-setup ${version}: get a self-hosted Zulip server sending email.`);
	out.push('', 'Usage:');
	const usage: Array<[string, string]> = [
		['sudo zulip-email-setup', 'interactive wizard'],
		['zulip-email-setup --sandbox', 'try it on throwaway files'],
		['zulip-email-setup --non-interactive --provider ID [flags]', ''],
		['zulip-email-setup --check [--to ADDRESS]', ''],
		['zulip-email-setup --check-dns [--dns-server HOST[:PORT]]', ''],
		['zulip-email-setup --logs [--since 7d]', 'what Zulip did with its mail'],
		['zulip-email-setup --check --no-send --monitor nagios', ''],
		['zulip-email-setup --docker DIR', 'a docker-zulip Compose deployment'],
		['zulip-email-setup --helm-values FILE', 'docker-zulip\'s Helm chart'],
	];
	const row = (left: string, text: string, column = HELP_COLUMN) => {
		const twoColumns = width >= column + 30;
		if (text === '') {
			paragraph(left.trim(), left.length - left.trimStart().length + 2, left.slice(0, left.length - left.trimStart().length));
			return;
		}

		const firstWord = text.split(/\s+/)[0] ?? '';
		if (twoColumns && left.length + 2 <= column && column + firstWord.length <= width) {
			paragraph(text, column, left.padEnd(column));
			return;
		}

		out.push(left);
		const hang = twoColumns ? column : 6;
		paragraph(text, hang, ' '.repeat(hang));
	};

	for (const [command, what] of usage) row(`  ${command}`, what, USAGE_COLUMN);
	out.push('', 'Flags:');
	for (const [name, flag] of Object.entries(FLAGS)) row(`  --${name}${'value' in flag ? ` ${flag.value}` : ''}`, flag.help);
	out.push('');
	paragraph('The password is never read from the command line: use --password-file, --password-stdin or ZULIP_EMAIL_PASSWORD.');
	paragraph('Exit codes: 0 ok, 1 live test failed, 2 usage or invalid input, 3 configuration unreadable or unwritable, 4 restart failed (--monitor nagios: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), 70 internal error (a bug: rerun with ZULIP_EMAIL_SETUP_DEBUG=1 for the stack), 130 cancelled.');
	return out.join('\n') + '\n';
}
