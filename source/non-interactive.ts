import type {Options} from './args.js';
import {answersForProvider, sameAccount, type Answers, type PasswordAnswer} from './engine/answers.js';
import {applyPlan, type ApplyResult} from './engine/apply.js';
import type {ConfigPaths, LoadedConfig} from './engine/current-config.js';
import {ExitCode, UsageError, WizardError, type ExitCodeValue} from './engine/errors.js';
import {runLiveCheck} from './engine/live-check.js';
import {readPasswordSource} from './engine/password-input.js';
import type {Plan} from './engine/plan.js';
import {checkDeliverability, deliverabilityInputFrom, hasErrors, parseDkimSelectors} from './engine/deliverability.js';
import {getProvider, isProviderId, PROVIDER_IDS, regionProblem, securityForPort, type ProviderId} from './engine/providers.js';
import {restartServer, type RestartResult} from './engine/restart.js';
import {hostTarget, type ConfigTarget} from './engine/targets.js';
import {parsePort} from './engine/validate.js';
import {parseDnsServer} from './dns/lookup.js';
import type {Security, TestReport} from './smtp/types.js';
import {createReporter, type Reporter} from './report.js';

/** What the non-interactive face needs besides the flags. */
export interface RunContext {
	readonly paths: ConfigPaths;
	/** Where the configuration lives; this machine's files at `paths` when absent. */
	readonly target?: ConfigTarget;
	readonly caFile?: string;
	readonly restartCommand?: string;
	readonly stdout: NodeJS.WritableStream;
	readonly stderr: NodeJS.WritableStream;
	readonly stdin?: NodeJS.ReadableStream;
	readonly env?: NodeJS.ProcessEnv;
	readonly signal?: AbortSignal;
	/** Extra fields for the JSON report (the sandbox adds its own). */
	readonly extraReport?: () => Record<string, unknown>;
	/** The sandbox's directory: the file backend's test writes mail only below it. */
	readonly writableRoot?: string;
	/** Runs before the final report, e.g. the sandbox lists received mail. */
	readonly beforeReport?: (reporter: Reporter) => Promise<void>;
}

export function timeoutMs(options: Options): number {
	if (options.timeout === undefined) return 10_000;
	const seconds = Number(options.timeout);
	if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) throw new UsageError(`--timeout must be a number of seconds from 0 to 600, not "${options.timeout}".`);
	return Math.round(seconds * 1000);
}

function providerOption(value: string): ProviderId {
	if (!isProviderId(value)) throw new UsageError(`Unknown --provider "${value}".`, `Use one of: ${PROVIDER_IDS.join(', ')}.`);
	return value;
}

function securityOption(value: string | undefined): Security | undefined {
	if (value === undefined) return undefined;
	if (value === 'starttls' || value === 'ssl' || value === 'none') return value;
	throw new UsageError(`--security must be starttls, ssl or none, not "${value}".`);
}

/** Turn flags into answers, exactly as the TUI's prompts would, or say which flag is missing. */
export async function answersFromOptions(loaded: LoadedConfig, options: Options, context: Pick<RunContext, 'env' | 'stdin'> = {}): Promise<Answers> {
	const {current} = loaded;
	let providerId = options.provider;
	if (providerId === undefined) {
		if (current.backend === 'dummy' || current.backend === 'other') {
			throw new UsageError('--provider is required: nothing is configured yet.', `Pass --provider with one of: ${PROVIDER_IDS.join(', ')}.`);
		}

		providerId = current.providerId;
	}

	if (!isProviderId(providerId)) throw new UsageError(`Unknown --provider "${providerId}".`, `Use one of: ${PROVIDER_IDS.join(', ')}.`);
	const provider = getProvider(providerId);
	// Before anything is derived from it: an unknown region would otherwise surface as a missing --host.
	const badRegion = options.region === undefined ? undefined : provider.regions ? regionProblem(provider, options.region) : `--region is only for ${getProvider('ses').name}; ${provider.name} has one host.`;
	if (badRegion) throw new UsageError(badRegion, 'Pass --region with a region name such as eu-west-1.');
	const base = answersForProvider(loaded, providerId, options.region);
	const password = await readPasswordSource({passwordFile: options['password-file'], passwordStdin: options['password-stdin']}, context.env, context.stdin);
	const tokens = options.tokens ? true : options['no-tokens'] ? false : undefined;
	const noreplyAddress = options.noreply;
	if (provider.kind === 'file') {
		return {...base, filePath: options['file-path'] ?? base.filePath, noreplyAddress, tokens};
	}

	if (provider.regions && !options.region && !options.host && !base.host) {
		throw new UsageError(`--region is required for ${provider.name}.`, `Known regions: ${provider.regions.map(region => region.id).join(', ')}.`);
	}

	const host = options.host ?? base.host;
	if (host === '') throw new UsageError(`--host is required for ${provider.name}.`);
	let port = base.port;
	if (options.port !== undefined) {
		const parsed = parsePort(options.port);
		if (parsed === undefined) throw new UsageError(`--port must be a whole number from 1 to 65535, not "${options.port}".`);
		port = parsed;
	}

	const security = securityOption(options.security) ?? (options.port === undefined ? base.security : provider.id === 'local' ? 'none' : securityForPort(port, 'starttls'));
	let username = provider.needsAuth ? options.username ?? base.username : options.username ?? '';
	if (provider.fixedUsername && options.username === undefined) username = provider.fixedUsername;
	if (provider.needsAuth && options.username === undefined && username === '') {
		throw new UsageError(`--username is required for ${provider.name} (${provider.usernameHint ?? 'the SMTP user'}).`, 'Pass --username "" to send without logging in.');
	}

	let passwordAnswer: PasswordAnswer;
	if (username === '') passwordAnswer = {kind: 'none'};
	else if (password !== undefined) passwordAnswer = {kind: 'new', value: password};
	else if (options['keep-password'] || (sameAccount(loaded, host, username) && current.passwordSet)) {
		if (!current.passwordSet) throw new UsageError('--keep-password: there is no email_password in the secrets file to keep.', 'Give it with --password-file, --password-stdin or ZULIP_EMAIL_PASSWORD.');
		passwordAnswer = {kind: 'keep'};
	} else {
		throw new UsageError(`A password is required to log in as ${username}.`, 'Give it with --password-file PATH, --password-stdin or the ZULIP_EMAIL_PASSWORD environment variable (never on the command line).');
	}

	return {providerId, region: options.region ?? base.region, host, port, security, username, password: passwordAnswer, noreplyAddress, tokens};
}

/** The whole job without prompts: read, plan, write, read back, test, restart, report. */
export async function runNonInteractive(options: Options, context: RunContext): Promise<ExitCodeValue> {
	const reporter = createReporter({json: options.json === true, stdout: context.stdout, stderr: context.stderr});
	let plan: Plan | undefined;
	let applied: ApplyResult | undefined;
	let test: TestReport | undefined;
	let restart: RestartResult | undefined;
	let exitCode: ExitCodeValue = ExitCode.ok;
	try {
		const timeout = timeoutMs(options);
		const readOnly = options.check || options['check-dns'] || options['dry-run'];
		const dns = {dnsServer: options['dns-server'], dkimSelectors: parseDkimSelectors(options['dkim-selector'])};
		if (dns.dnsServer !== undefined) parseDnsServer(dns.dnsServer);
		// Before anything else: a run that cannot save its answers must say so first.
		// Read-only runs need only read access, which loading checks itself.
		const target = context.target ?? hostTarget(context.paths);
		const problems = readOnly ? [] : target.permissionProblems();
		if (problems.length > 0) {
			const [first] = problems;
			throw new WizardError(ExitCode.config, first!.message, first!.fix, 'permission-denied');
		}

		const loaded = await target.load({signal: context.signal});
		reporter.current(loaded.current);
		if (options.check || options['check-dns']) {
			if (options.check) {
				test = await runLiveCheck(loaded, {to: options.to, timeoutMs: timeout, caFile: context.caFile, signal: context.signal, onEvent: reporter.event, transcriptPath: options.transcript, writableRoot: context.writableRoot});
				reporter.test(test);
				exitCode = test.ok ? ExitCode.ok : ExitCode.testFailed;
			}

			// Warnings never change the exit code; errors do only for --check-dns, which asks just this.
			const input = deliverabilityInputFrom(loaded, {...dns, signal: context.signal});
			const deliverability = await checkDeliverability(options.provider === undefined ? input : {...input, providerId: providerOption(options.provider)});
			reporter.deliverability(deliverability);
			if (options['check-dns'] && hasErrors(deliverability)) exitCode = ExitCode.testFailed;
		} else {
			const answers = await answersFromOptions(loaded, options, context);
			plan = await target.plan(loaded, answers);
			reporter.plan(plan, options['dry-run'] === true);
			for (const note of plan.notes ?? []) reporter.line(`Note: ${note}`);
			if (!options['dry-run']) {
				applied = await applyPlan(plan);
				reporter.applied(applied);
				// The test reads back what landed on disk, not what we meant to write.
				const written = await target.load({signal: context.signal});
				reporter.readBack(written.current);
				if (!options['skip-test']) {
					test = await runLiveCheck(written, {to: options.to, timeoutMs: timeout, caFile: context.caFile, signal: context.signal, onEvent: reporter.event, transcriptPath: options.transcript, writableRoot: context.writableRoot});
					reporter.test(test);
					if (!test.ok) exitCode = ExitCode.testFailed;
				}

				const command = options['restart-command'] ?? context.restartCommand ?? target.restartCommand;
				if (options.restart && exitCode === ExitCode.ok) {
					reporter.line(`Running: ${command}`);
					restart = await restartServer({command, signal: context.signal, onLine: reporter.restartLine, password: written.password});
					reporter.restart(restart);
					if (!restart.ok) exitCode = ExitCode.restartFailed;
				} else if (target.kind !== 'host' && plan.changed) {
					// A deployment reads its files only when the container is recreated.
					reporter.line(`Zulip uses the change once you run: ${command} (or pass --restart).`);
				}
			}
		}
	} catch (error) {
		if (error instanceof WizardError) exitCode = error.exitCode;
		else exitCode = ExitCode.config;
		reporter.error(error);
	}

	// A Ctrl-C during the test or restart surfaces as a failed step; it was a cancel.
	if (context.signal?.aborted) exitCode = ExitCode.cancelled;
	await context.beforeReport?.(reporter);
	reporter.finish({exitCode, plan, applied, test, restart, dryRun: options['dry-run'] === true, extra: context.extraReport?.()});
	return exitCode;
}
