import type {Options} from '../args.js';
import {basename, join} from 'node:path';
import {isInside} from '../engine/validate.js';
import type {ConfigPaths} from '../engine/current-config.js';
import type {ConfigTarget} from '../engine/targets.js';
import type {ComposeSandbox} from './docker-sandbox.js';
import {CancelledError, ExitCode, UsageError, type ExitCodeValue} from '../engine/errors.js';
import {PASSWORD_ENV} from '../engine/password-input.js';
import {startDnsServer, type RunningDnsServer} from './dns-server.js';
import {SANDBOX_DKIM_SELECTOR, sandboxZone} from './dns-zone.js';
import {notePrintedBeforeInk} from '../ui/resize-redraw.js';
import {writeSandboxDeployment} from './manage-py.js';
import {createSandboxFiles, SANDBOX_ADMINISTRATOR, SANDBOX_EXTERNAL_HOST, shellQuote, type SandboxFiles} from './files.js';
import {readRelayIdentity, saveRelayIdentity} from './relay-identity.js';
import {startRelay, type SandboxRelay} from './relay.js';
import {receivedLines, sandboxJson, sessionDiff, snapshotFiles, type FilesBefore} from './summary.js';
import {command, plainText} from '../engine/command-text.js';

export interface SandboxContext {
	/** Run the Ink wizard (a TTY) or the non-interactive face. */
	readonly interactive: boolean;
	/** Aborted on SIGINT/SIGTERM: the relay closes and the run ends with 130. */
	readonly signal: AbortSignal;
	readonly stdout?: NodeJS.WritableStream;
	readonly stderr?: NodeJS.WritableStream;
	/** Fixed relay credentials, for tests that must know the password; random per session otherwise. No flag sets these. */
	readonly relayCredentials?: {readonly username?: string; readonly password?: string};
}

/** One sandbox session: its files and its relay. */
interface Session {
	readonly files: SandboxFiles;
	readonly relay: SandboxRelay;
	readonly paths: ConfigPaths;
	readonly before: FilesBefore;
	/** The sandbox domain's own DNS on loopback, for the deliverability checks. */
	readonly dns: RunningDnsServer;
	/** The relay's port of an earlier run in this directory, when another process holds it now. */
	readonly lostPort?: number;
	/** --sandbox --docker: the throwaway docker-zulip directory the run configures instead. */
	compose?: {readonly sandbox: ComposeSandbox; readonly before: Record<string, string>; readonly target: ConfigTarget};
}

/**
 * `--sandbox`: the whole job on throwaway files with a built-in relay, in the
 * same engine as a real run. Only the inputs differ: paths into the sandbox,
 * the relay's CA through --ca-file, the fake restart script through
 * --restart-command, and the relay's password through the environment
 * variable the real non-interactive face reads (never argv).
 *
 * The directory is always kept, and its path printed: seeing what was
 * written is the point of a sandbox, and a temporary one is the OS's to clean.
 */
export async function runSandbox(options: Options, context: SandboxContext): Promise<ExitCodeValue> {
	const stdout = context.stdout ?? process.stdout;
	const stderr = context.stderr ?? process.stderr;
	// In --json mode stdout carries exactly one JSON object; everything for people goes to stderr.
	const info = options.json ? stderr : stdout;
	const say = (line = '') => info.write(line + '\n');
	if (options.settings !== undefined || options.secrets !== undefined) {
		throw new UsageError('--sandbox uses its own settings.py and zulip-secrets.conf; --settings and --secrets cannot point elsewhere.', 'Drop --settings/--secrets, or use --sandbox-dir DIR to keep the sandbox files for inspection.');
	}

	if (options['helm-values'] !== undefined) throw new UsageError('The sandbox demonstrates Compose (--sandbox --docker), not Helm.', 'Drop --helm-values, or try --helm-values on a copy of your values file with --dry-run.');
	if (options.docker !== undefined && options.docker !== '') {
		throw new UsageError('--sandbox --docker makes its own throwaway docker-zulip directory; it cannot point at yours.', 'Pass --docker without a directory, or run --docker DIR --dry-run outside the sandbox.');
	}

	const session = await openSession(options, context);
	if (options.docker !== undefined) session.compose = await openComposeSandbox(session.files.dir);
	// "Log to files" writes mail where EMAIL_FILE_PATH says: in the sandbox that is inside it, never /var/log/zulip.
	const filePath = options['file-path'] ?? join(session.files.dir, 'emails');
	if (!isInside(session.files.dir, filePath)) {
		await session.relay.close();
		await session.dns.close();
		throw new UsageError(`--file-path ${filePath} is outside the sandbox (${session.files.dir}), and the sandbox writes nowhere else.`, `Leave --file-path out (the sandbox uses ${join(session.files.dir, 'emails')}), or name a directory inside it.`);
	}

	options = {...options, 'file-path': filePath};
	try {
		const intro = [...await fitToTerminal([...introLines(session, context.interactive), ...composeIntroLines(session)], info), ''];
		for (const line of intro) say(line);
		// The wizard redraws everything after a resize: the relay's credentials must come back with it.
		if (context.interactive) notePrintedBeforeInk(intro.map(line => `${line}\n`).join(''));
		const exitCode = context.interactive
			? await runInteractive(options, session, stdout, context.signal)
			: await runScripted(options, session, {stdout, stderr, signal: context.signal});
		return context.signal.aborted ? ExitCode.cancelled : exitCode;
	} finally {
		await session.relay.close();
		await session.dns.close();
		// With --json nothing came after the intro's blank line on this stream: one blank line, not two.
		if (!options.json) say();
		for (const line of await fitToTerminal([`The sandbox is kept in ${session.files.dir} (delete it with: ${command(`rm -r ${shellQuote(session.files.dir)}`)}).`], info)) say(line);
	}
}

async function openSession(options: Options, {signal, relayCredentials}: SandboxContext): Promise<Session> {
	if (signal.aborted) throw new CancelledError();
	const files = await createSandboxFiles({dir: options['sandbox-dir']});
	const before = await snapshotFiles(files);
	// A kept sandbox's files name the relay's port, user and password: the same relay comes back.
	const earlier = files.reused ? await readRelayIdentity(files.dir) : undefined;
	let relay: SandboxRelay;
	try {
		relay = await startRelay({dir: files.dir, signal, ...earlier, ...relayCredentials});
	} catch (error) {
		if (signal.aborted) throw new CancelledError();
		throw error;
	}

	let dns: RunningDnsServer;
	try {
		dns = await startDnsServer({records: await sandboxZone()});
	} catch (error) {
		await relay.close();
		throw error;
	}

	if (signal.aborted) {
		await relay.close();
		await dns.close();
		throw new CancelledError();
	}

	await saveRelayIdentity(files.dir, {port: relay.port, username: relay.username, password: relay.password});
	const lostPort = earlier && earlier.port !== relay.port ? earlier.port : undefined;
	// A stand-in deployment: version.py for the release, manage.py for --confirm-with-zulip.
	const deployment = await writeSandboxDeployment(files.dir, {settings: files.settingsPath, secrets: files.secretsPath, caFile: relay.caFile});
	return {files, relay, dns, before, lostPort, paths: {settings: files.settingsPath, secrets: files.secretsPath, deployment}};
}

function introLines(session: Session, interactive: boolean): string[] {
	const {files, relay} = session;
	const lines: string[] = [
		`Sandbox${files.reused ? ' (reusing the files of an earlier run)' : ''}: ${files.dir}`,
		'  Nothing outside this directory is changed.',
		// Compose mode writes its docker-zulip directory (composeIntroLines), not these.
		...(session.compose ? [] : [
			`  settings.py         ${files.settingsPath}`,
			`  secrets             ${files.secretsPath}`,
			`  restart script      ${files.restartScript}`,
		]),
		`  relay CA (trusted with --ca-file) ${relay.caFile}`,
		`Sandbox relay: ${relay.host}:${relay.port}, STARTTLS required before AUTH, user ${relay.username}`,
	];
	// Interactive: the password is throwaway and shown so the admin can see exactly what the wizard stores.
	// Non-interactive output ends up in logs and CI: there it goes through the environment and is never printed.
	lines.push(interactive ? `  password ${relay.password} (throwaway, kept with this sandbox)` : `  password given to the wizard through ${PASSWORD_ENV} (not shown)`);
	if (session.lostPort !== undefined) {
		lines.push(`  Port ${session.lostPort} of the earlier run is taken by another program, so the relay listens on ${relay.port}: settings.py still says ${session.lostPort} until you run the sandbox again without --check.`);
	}

	lines.push(`Sandbox DNS: ${session.dns.address} serves ${SANDBOX_EXTERNAL_HOST} (SPF, DKIM selector ${SANDBOX_DKIM_SELECTOR}, DMARC, MX) for the deliverability checks`);
	return lines;
}

/** The flags a sandbox run means, with every explicit flag winning over the sandbox's default. */
export function scriptedOptions(options: Options, relay: Pick<SandboxRelay, 'host' | 'port' | 'username'>, administrator: string, dnsServer?: string): {options: Options; passwordFromRelay: boolean} {
	const provider = options.provider ?? 'custom';
	// The relay is the default destination only for a custom relay; `--provider mailgun` means Mailgun's host.
	const towardsRelay = provider === 'custom';
	const next: Options = {
		...options,
		provider,
		host: options.host ?? (towardsRelay ? relay.host : undefined),
		port: options.port ?? (towardsRelay && options.host === undefined ? relay.port : undefined),
		// A bare --port lets the engine infer the mode from the port, as it does outside the sandbox.
		security: options.security ?? (towardsRelay && options.port === undefined ? 'starttls' : undefined),
		username: options.username ?? (towardsRelay ? relay.username : undefined),
		// Both mails are really sent, so the relay shows what Zulip's send_test_email would deliver.
		to: options.to ?? administrator,
		// The fake restart script is part of the tour; --no-restart skips it.
		restart: !options['no-restart'],
		// --check and --check-dns ask the sandbox's own DNS, never the system's.
		'dns-server': options['dns-server'] ?? dnsServer,
		'dkim-selector': options['dkim-selector'] ?? (dnsServer === undefined ? undefined : [SANDBOX_DKIM_SELECTOR]),
	};
	const passwordGiven = options['password-file'] !== undefined || options['password-stdin'] === true || options['keep-password'] === true;
	const passwordFromRelay = !passwordGiven && next.username === relay.username;
	return {options: next, passwordFromRelay};
}

async function administratorOf(paths: ConfigPaths): Promise<string> {
	try {
		const {loadConfig} = await import('../engine/current-config.js');
		return (await loadConfig(paths)).current.administrator ?? SANDBOX_ADMINISTRATOR;
	} catch {
		// A settings.py broken by hand in a kept sandbox: the run itself reports it.
		return SANDBOX_ADMINISTRATOR;
	}
}

/** Why a run sent nothing on purpose, so "no mail" is not mistaken for a failure. */
function nothingSentBecause(options: Options): string | undefined {
	if (options['dry-run']) return '--dry-run sends nothing';
	if (options['skip-test']) return '--skip-test sends nothing';
	if (options['check-dns'] && !options.check) return '--check-dns sends nothing';
	return undefined;
}

async function runScripted(options: Options, session: Session, io: {stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; signal: AbortSignal}): Promise<ExitCodeValue> {
	const {files, relay, paths, before, compose} = session;
	const {options: flags, passwordFromRelay} = scriptedOptions(options, relay, await administratorOf(paths), session.dns.address);
	const {runNonInteractive} = await import('../non-interactive.js');
	let diff = '';
	return runNonInteractive(flags, {
		paths,
		target: compose?.target,
		caFile: options['ca-file'] ?? relay.caFile,
		restartCommand: compose?.sandbox.restartCommand ?? files.restartCommand,
		stdout: io.stdout,
		stderr: io.stderr,
		// Only the password source is replaced; without it, the usual sources (and their one-source rule) apply.
		env: passwordFromRelay ? {[PASSWORD_ENV]: relay.password} : undefined,
		signal: io.signal,
		writableRoot: files.dir,
		// The stand-in manage.py is this tool's own code in its own directory: it runs as whoever runs the sandbox.
		confirmIdentity: {self: true, name: 'the sandbox user'},
		async beforeReport(reporter) {
			diff = compose ? await composeSessionDiff(compose.sandbox, compose.before) : await sessionDiff(files, before);
			reporter.line('');
			for (const line of receivedLines(relay.received, relay.refusals, nothingSentBecause(flags))) reporter.line(line);
			reporter.line('');
			reporter.line(diff ? 'Changes to the sandbox files (password masked):' : 'The sandbox files did not change.');
			if (diff) reporter.line(diff.trimEnd());
		},
		extraReport: () => ({sandbox: sandboxJson(files, relay, diff)}),
	});
}

async function runInteractive(options: Options, session: Session, stdout: NodeJS.WritableStream, signal: AbortSignal): Promise<ExitCodeValue> {
	const {files, relay, paths, before, compose} = session;
	const {renderWizard} = await import('../ui/app.js');
	const started = Date.now();
	// The wizard turns the other flags into its starting answers and handles Ctrl-C itself (resolving with 130).
	const exitCode = await renderWizard({
		paths,
		target: compose?.target,
		options,
		caFile: options['ca-file'] ?? relay.caFile,
		restartCommand: options['restart-command'] ?? compose?.sandbox.restartCommand ?? files.restartCommand,
		sandbox: {host: relay.host, port: relay.port, security: relay.security, username: relay.username, password: relay.password},
		writableRoot: files.dir,
		// The stand-in manage.py is this tool's own code in its own directory: it runs as whoever runs the sandbox.
		confirmIdentity: {self: true, name: 'the sandbox user'},
		// The panel after a passing test asks the sandbox's own DNS, never the system's.
		dnsServer: options['dns-server'] === undefined ? session.dns.address : undefined,
		dkimSelectors: options['dkim-selector'] === undefined ? [SANDBOX_DKIM_SELECTOR] : undefined,
		signal,
	});
	const diff = compose ? await composeSessionDiff(compose.sandbox, compose.before) : await sessionDiff(files, before);
	// The wizard's last screen (the done step) ends on its text; when it ended without one (Ctrl-C, a problem), Ink's empty last frame already left a blank line.
	const doneScreen = exitCode === ExitCode.ok || exitCode === ExitCode.testFailed || exitCode === ExitCode.restartFailed;
	const lines = [...(doneScreen ? [''] : []), ...receivedLines(relay.received, relay.refusals), ''];
	// One write was reviewed as exactly this diff just above: it is said once. Several writes (a fix, then
	// another) were each reviewed alone, so their sum is worth showing.
	const writes = compose ? 0 : await backupsMadeSince(files, started);
	// Written and then written back (a wrong password, then the right one): the same bytes, but not untouched.
	if (!diff) lines.push(writes > 0 ? `This session wrote the sandbox files ${writes === 1 ? 'once' : writes === 2 ? 'twice' : `${writes} times`} (a backup beside them for each write); they now hold what they held before it.` : 'The sandbox files did not change.');
	else if (!compose && writes <= 1) lines.push('The sandbox files changed as the review above showed (password masked).');
	else lines.push('Changes to the sandbox files over this session (password masked):', diff.trimEnd());
	stdout.write((await fitToTerminal(lines, stdout)).join('\n') + '\n');
	return exitCode;
}

/**
 * After the wizard, the summary is printed as plain text: on a terminal, long lines (a tokenized
 * envelope sender) wrap with a hanging indent under their text, as the wizard's own lines do,
 * instead of being broken by the terminal at column 0.
 */
export async function fitToTerminal(lines: string[], stdout: NodeJS.WritableStream): Promise<string[]> {
	const {columns} = stdout as NodeJS.WriteStream;
	// Most runs fit: the wrapper is not even loaded then (the intro comes before the wizard's first frame).
	if (!columns || lines.every(line => line.length <= columns)) return lines.map(plainText);
	const {hanging, hangOf} = await import('../ui/text-fit.js');
	return lines.flatMap(line => line.includes('\n') ? [line] : hanging(line, columns, /^\s*\d+\. /.exec(line)?.[0].length ?? hangOf(line)));
}

/** How many times settings.py or the secrets file was written since `since` (each write leaves one backup). */
async function backupsMadeSince(files: SandboxFiles, since: number): Promise<number> {
	const {readdir, stat} = await import('node:fs/promises');
	let most = 0;
	for (const file of [files.settingsPath, files.secretsPath]) {
		const prefix = `${basename(file)}.bak-`;
		const names = (await readdir(files.dir)).filter(name => name.startsWith(prefix));
		const times = await Promise.all(names.map(async name => (await stat(join(files.dir, name))).mtimeMs));
		// A backup is written afresh (a copy, then a link), so its mtime says when it was made.
		most = Math.max(most, times.filter(time => time >= since - 5).length);
	}

	return most;
}

/** --sandbox --docker: the throwaway docker-zulip directory and the target that edits it. */
async function openComposeSandbox(sandboxDir: string): Promise<NonNullable<Session['compose']>> {
	const {createComposeSandbox, snapshotCompose} = await import('./docker-sandbox.js');
	const {composeTarget} = await import('../docker/compose-target.js');
	const sandbox = await createComposeSandbox(sandboxDir);
	return {sandbox, before: await snapshotCompose(sandbox), target: composeTarget(sandbox.dir, {restartCommand: sandbox.restartCommand})};
}

function composeIntroLines(session: Session): string[] {
	if (!session.compose) return [];
	const {sandbox} = session.compose;
	return [
		`Compose mode: a throwaway docker-zulip directory ${sandbox.dir}`,
		'  compose.yaml and compose.override.yaml as docker-zulip publishes them; the settings go into the override, the password into .env',
		`  "docker compose up -d zulip" stand-in ${sandbox.restartCommand}`,
	];
}

async function composeSessionDiff(sandbox: ComposeSandbox, before: Record<string, string>): Promise<string> {
	const {composeSessionDiff: diff} = await import('./docker-sandbox.js');
	return diff(sandbox, before);
}
