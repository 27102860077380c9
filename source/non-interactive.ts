import {testNetworkNote} from './engine/deployment-notes.js';
import {givenAnswers, type Options} from './args.js';
import {plaintextPasswordRisk} from './engine/answers-summary.js';
import {answersForProvider, canKeepStoredPassword, emptyUsernameProblem, withGivenAnswers, type Answers, type PasswordAnswer} from './engine/answers.js';
import {applyPlan, type ApplyResult} from './engine/apply.js';
import type {ConfigPaths, LoadedConfig} from './engine/current-config.js';
import {describeError, ExitCode, UsageError, WizardError, type ExitCodeValue} from './engine/errors.js';
import {localServerNotes, runLiveCheck} from './engine/live-check.js';
import {readPasswordSource} from './engine/password-input.js';
import type {Plan} from './engine/plan.js';
import {checkRunInputs} from './engine/preflight.js';
import {acquireRunLock} from './engine/run-lock.js';
import {testPause} from './engine/test-pause.js';
import {checkDeliverability, deliverabilityInputFrom, hasErrors} from './engine/deliverability.js';
import {getProvider, PROVIDER_IDS, providerNotes, regionFor, regionProblem, unlistedRegionNote} from './engine/providers.js';
import {restartServer, type RestartResult} from './engine/restart.js';
import {hostTarget, type ConfigTarget} from './engine/targets.js';
import type {TestReport} from './smtp/types.js';
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
	/** Today's date, for notes measured against a provider's announced dates (tests give their own). */
	readonly today?: () => Date;
	/** Whom --confirm-with-zulip runs manage.py as: the zulip user by default (the sandbox: itself, for its own stand-in). */
	readonly confirmIdentity?: import('./engine/zulip-confirm.js').ConfirmIdentity;
}

/** Turn flags into answers, by the same rules as the wizard's prompts, or say which flag is missing. */
export async function answersFromOptions(loaded: LoadedConfig, options: Options, context: Pick<RunContext, 'env' | 'stdin' | 'signal'> = {}): Promise<Answers> {
	const {current} = loaded;
	const given = givenAnswers(options);
	let providerId = given.providerId;
	if (providerId === undefined) {
		if (current.backend === 'dummy' || current.backend === 'other') {
			throw new UsageError('--provider is required: nothing is configured yet.', `Pass --provider with one of: ${PROVIDER_IDS.join(', ')}.`);
		}

		providerId = current.providerId;
	}

	const provider = getProvider(providerId);
	// Before anything is derived from it: an unknown region would otherwise surface as a missing --host.
	const badRegion = given.region === undefined ? undefined : provider.regions ? regionProblem(provider, given.region, given.username) : `--region is only for ${getProvider('ses').name} and ${getProvider('zoho').name}; ${provider.name} has one host.`;
	if (badRegion) throw new UsageError(badRegion, `Pass --region with one of the names above, e.g. ${provider.id === 'zoho' ? 'eu-pro' : 'eu-west-1'}.`);
	// A Zoho data centre without the kind of account (--region eu) takes it from the login's domain: one rule, in the engine.
	const region = given.region === undefined ? undefined : regionFor(provider, given.region, given.username)?.id ?? given.region;
	const base = answersForProvider(loaded, providerId, region);
	const password = await readPasswordSource({passwordFile: options['password-file'], passwordStdin: options['password-stdin']}, context.env, context.stdin, context.signal);
	const {noreplyAddress, tokens, tokenizedNoreply} = given;
	if (provider.kind === 'file') return {...withGivenAnswers(base, given), noreplyAddress, tokens, tokenizedNoreply};
	if (provider.regions && !given.region && !given.host && !base.host) {
		throw new UsageError(`--region is required for ${provider.name}.`, `Known regions: ${provider.regions.map(region => region.id).join(', ')}.`);
	}

	const answers = withGivenAnswers(base, given);
	const {host, username} = answers;
	if (host === '') throw new UsageError(`--host is required for ${provider.name}.`);
	const noLogin = emptyUsernameProblem(provider);
	if (username === '' && provider.needsAuth) {
		if (given.username === undefined) {
			throw new UsageError(`--username is required for ${provider.name} (${provider.usernameHint ?? 'the SMTP user'}).`, noLogin ? `Pass --username USER.` : 'Pass --username "" to send without logging in.');
		}

		if (noLogin) throw new UsageError(noLogin, `Pass --username USER: --username '' (no login) is only for a relay of your own (--provider custom).`);
	}

	let passwordAnswer: PasswordAnswer;
	if (username === '') passwordAnswer = {kind: 'none'};
	else if (password !== undefined) passwordAnswer = {kind: 'new', value: password};
	else if (options['keep-password'] || canKeepStoredPassword(loaded, host, username)) {
		if (!current.passwordSet) throw new UsageError('--keep-password: there is no email_password in the secrets file to keep.', 'Give it with --password-file, --password-stdin or ZULIP_EMAIL_PASSWORD.');
		passwordAnswer = {kind: 'keep'};
	} else {
		throw new UsageError(`A password is required to log in as ${username}.`, 'Give it with --password-file PATH, --password-stdin or the ZULIP_EMAIL_PASSWORD environment variable (never on the command line).');
	}

	return {...answers, region: region ?? base.region, password: passwordAnswer, noreplyAddress, tokens, tokenizedNoreply};
}

/** The whole job without prompts: read, plan, write, read back, test, restart, report. */
export async function runNonInteractive(options: Options, context: RunContext): Promise<ExitCodeValue> {
	const reporter = createReporter({json: options.json === true, stdout: context.stdout, stderr: context.stderr});
	let plan: Plan | undefined;
	let applied: ApplyResult | undefined;
	let test: TestReport | undefined;
	let restart: RestartResult | undefined;
	let confirm: import('./engine/zulip-confirm.js').ConfirmResult | undefined;
	let exitCode: ExitCodeValue = ExitCode.ok;
	try {
		// --timeout in ms; without it, the live test's own default.
		const timeout = options.timeout;
		const readOnly = options.check || options['check-dns'] || options['dry-run'];
		const dns = {dnsServer: options['dns-server'], dkimSelectors: options['dkim-selector']};
		// Before anything else: a run that cannot save its answers must say so first.
		// Read-only runs need only read access, which loading checks itself.
		const target = context.target ?? hostTarget(context.paths);
		const problems = readOnly ? [] : target.permissionProblems();
		if (problems.length > 0) {
			const [first] = problems;
			throw new WizardError(ExitCode.config, first!.message, first!.fix, 'permission-denied');
		}

		// Every flag that can be checked without the files is, before anything is read or written (exit 2).
		checkRunInputs({caFile: context.caFile, transcript: options.transcript, to: options.to}, context.paths);
		// A run that may write holds the lock from reading the files to its last rename.
		const lock = readOnly || target.lockFile === undefined ? undefined : await acquireRunLock(target.lockFile, {signal: context.signal});
		const loaded = await target.load({signal: context.signal});
		await testPause('after-read', context.signal);
		reporter.current(loaded.current);
		// The password in force, only ever to mask it in Zulip's own output.
		let livePassword = loaded.password;
		if (options.check || options['check-dns']) {
			if (options.check) {
				const network = testNetworkNote(loaded.kind);
				if (network) reporter.line(`Note: ${network}`);
				await sayLocalServerNotes(loaded, reporter, context.signal);
				test = await runLiveCheck(loaded, {to: options.to, noSend: options['no-send'], timeoutMs: timeout, caFile: context.caFile, signal: context.signal, onEvent: reporter.event, transcriptPath: options.transcript, writableRoot: context.writableRoot});
				reporter.test(test);
				exitCode = test.ok ? ExitCode.ok : ExitCode.testFailed;
			}

			// Warnings never change the exit code; errors do only for --check-dns, which asks just this.
			const input = await deliverabilityInputFrom(loaded, {...dns, signal: context.signal});
			const deliverability = await checkDeliverability(options.provider === undefined ? input : {...input, providerId: options.provider});
			reporter.deliverability(deliverability);
			if (options['check-dns'] && hasErrors(deliverability)) exitCode = ExitCode.testFailed;
		} else {
			const answers = await answersFromOptions(loaded, options, context);
			// The printed helm commands carry placeholders until the release is named: never run them so.
			if (options.restart && options['restart-command'] === undefined && context.restartCommand === undefined && /--version CHART_VERSION\b|--namespace NAMESPACE\b/.test(target.restartCommand)) {
				throw new UsageError('--restart would run helm upgrade with placeholders: the chart version or the namespace of the release is not known.', 'Pass --helm-chart-version V and --namespace NS (helm list shows them), or --restart-command CMD.');
			}

			// The wizard asks for this in its review; a script says it with a flag.
			const plaintext = plaintextPasswordRisk(answers);
			if (plaintext && !options['allow-plaintext-password']) throw new UsageError(plaintext, 'Use TLS (--security starttls or ssl), or pass --allow-plaintext-password if the network to that host is trusted.');
			// A signal during a slow read (a password on stdin) means nothing is written.
			context.signal?.throwIfAborted();
			plan = await target.plan(loaded, answers);
			reporter.plan(plan, options['dry-run'] === true);
			const regionNote = unlistedRegionNote(getProvider(answers.providerId), answers.region);
			// Microsoft 365's end of password logins, against today's date (the wizard says it at the username).
			const dated = answers.providerId === 'office365' ? providerNotes(getProvider('office365'), context.today?.() ?? new Date()).slice(-1) : [];
			for (const note of [...(regionNote ? [regionNote] : []), ...dated, ...(plan.notes ?? [])]) reporter.line(`Note: ${note}`);
			if (!options['dry-run']) {
				applied = await applyPlan(plan, {signal: context.signal, lock, fixSecretsMode: options['fix-secrets-mode'] === true});
				lock?.release();
				reporter.applied(applied);
				// The test reads back what landed on disk, not what we meant to write.
				const written = await target.load({signal: context.signal});
				livePassword = written.password;
				reporter.readBack(written.current);
				if (!options['skip-test']) {
					const network = testNetworkNote(written.kind);
					if (network) reporter.line(`Note: ${network}`);
					await sayLocalServerNotes(written, reporter, context.signal);
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

		if (options['confirm-with-zulip'] && test?.ok && exitCode === ExitCode.ok && options.to !== undefined) {
			confirm = await confirmRun(context, options.to, livePassword, reporter);
			if (!confirm.ok) exitCode = context.signal?.aborted ? ExitCode.cancelled : ExitCode.testFailed;
		}
	} catch (error) {
		exitCode = describeError(error).exitCode;
		reporter.error(error);
	}

	// A Ctrl-C during the test or restart surfaces as a failed step; it was a cancel.
	if (context.signal?.aborted) exitCode = ExitCode.cancelled;
	await context.beforeReport?.(reporter);
	reporter.finish({exitCode, plan, applied, test, restart, dryRun: options['dry-run'] === true, extra: {...(confirm ? {zulipConfirm: confirmJson(confirm)} : {}), ...context.extraReport?.()}});
	return exitCode;
}

/** Before a test of the mail server on this machine: which MTA answers, how it is set up (the wizard's review says the same). */
async function sayLocalServerNotes(loaded: LoadedConfig, reporter: Reporter, signal?: AbortSignal): Promise<void> {
	for (const note of await localServerNotes(loaded, {signal})) reporter.line(`Note: ${note}`);
}

/** --confirm-with-zulip: Zulip's own send_test_email, its verdict in the report. */
async function confirmRun(context: RunContext, to: string, password: string | undefined, reporter: Reporter): Promise<import('./engine/zulip-confirm.js').ConfirmResult> {
	const {confirmWithZulip, zulipIdentity} = await import('./engine/zulip-confirm.js');
	const {DEFAULT_DEPLOYMENT} = await import('./zulip/version-file.js');
	const deployment = context.paths.deployment ?? DEFAULT_DEPLOYMENT;
	const identity = context.confirmIdentity ?? zulipIdentity();
	if ('refused' in identity) {
		reporter.line(`✖ Zulip's own test did not run: ${identity.refused}`);
		return {ok: false, outcome: 'not-run', exitCode: null, command: `${deployment}/manage.py send_test_email ${to}`, senders: [], reason: identity.refused, tail: []};
	}

	reporter.line(`Asking Zulip itself: ${deployment}/manage.py send_test_email ${to}`);
	const result = await confirmWithZulip({deployment, to, identity, password, signal: context.signal});
	for (const line of result.tail) reporter.line(`  | ${line}`);
	reporter.line(result.ok ? `✔ Zulip itself sent its two test mails to ${to}.` : `✖ Zulip's own test failed (${result.outcome}): ${result.reason ?? 'no reason given'}. Run it yourself: ${result.command}`);
	return result;
}

function confirmJson(result: import('./engine/zulip-confirm.js').ConfirmResult) {
	return {ok: result.ok, outcome: result.outcome, exitCode: result.exitCode, command: result.command, senders: result.senders, reason: result.reason ?? null};
}
