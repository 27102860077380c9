import {getContext, helpText, type Context} from './args.js';
import {CancelledError, describeError, errorText, ExitCode, UsageError, type ExitCodeValue} from './engine/errors.js';
import type {RunContext} from './non-interactive.js';
import {mapNoColor} from './no-color.js';
import {visibleControls, visibleJson} from './engine/shown-text.js';
// Static, not imported on demand: everything before the wizard's first frame loads in one trip of
// the loader with the CLI itself (bench/startup.ts: 1.01x @clack/prompts against 1.12x with a
// dynamic import of these two, same rounds). The other faces parse ~30 KB more for it.
import {targetFromFlags} from './engine/targets.js';
import {runWizard} from './ui/run-wizard.js';
import packageJson from '../package.json' with {type: 'json'};

/** argv, environment, TTY check and exit code; everything else lives elsewhere. */
export async function main(argv: readonly string[]): Promise<ExitCodeValue> {
	// Before anything could load chalk (only the UI does, and only on demand).
	mapNoColor(process.env);
	let parsed: Context;
	try {
		parsed = getContext(argv);
	} catch (error) {
		return fail(error, argv.includes('--json'));
	}

	const {options, paths, nonInteractive} = parsed;

	if (options.help) {
		process.stdout.write(helpText(packageJson.version, process.stdout.isTTY ? process.stdout.columns : 80));
		return ExitCode.ok;
	}

	if (options.licenses) {
		// Some 300 KB: a reader that stops early (| head, a pager quit) is no error.
		process.stdout.on('error', error => {
			if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
			process.exit(ExitCode.ok);
		});
		const {licencesText} = await import('./licences.js');
		process.stdout.write(await licencesText());
		return ExitCode.ok;
	}

	if (options.version) {
		const {versionText} = await import('./version.js');
		process.stdout.write(await versionText(packageJson.version));
		return ExitCode.ok;
	}

	if (!nonInteractive && !(process.stdin.isTTY && process.stdout.isTTY)) {
		// The sandbox needs no answers: the same command with --non-interactive is the whole fix.
		const {programAsInvoked} = await import('./engine/rerun-command.js');
		const {shellQuote} = await import('./sandbox/files.js');
		return fail(new UsageError(
			'The wizard needs a terminal (stdin and stdout must be a TTY).',
			options.sandbox
				? `Run it in a terminal, or without questions: ${[programAsInvoked(), ...argv.map(arg => shellQuote(arg)), '--non-interactive'].join(' ')}`
				: 'Run it in an SSH session, or pass --non-interactive with the answers as flags, e.g. --non-interactive --provider mailgun --username postmaster@mg.example.com --password-file /root/mailgun-password (see --help).',
		), false);
	}

	const controller = new AbortController();
	const onSignal = () => controller.abort(new CancelledError());
	// A dropped SSH session (SIGHUP) is a Ctrl-C the admin could not type.
	const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
	if (nonInteractive) {
		for (const signal of signals) process.once(signal, onSignal);
	}

	try {
		// After the setup (README "After the setup"): each its own module, loaded only when asked for.
		if (options['install-timer'] || options['uninstall-timer']) {
			const {runTimerCommand} = await import('./monitor/timer.js');
			return await runTimerCommand(options, {stdout: process.stdout, stderr: process.stderr, signal: controller.signal});
		}

		if (options.logs && !options.monitor) {
			const {runLogs} = await import('./logs/run-logs.js');
			return await runLogs(options, {stdout: process.stdout, stderr: process.stderr, signal: controller.signal});
		}

		if (options.sandbox) {
			const {runSandbox} = await import('./sandbox/run-sandbox.js');
			return await runSandbox(options, {interactive: !nonInteractive, signal: controller.signal});
		}

		const target = await targetFromFlags({docker: options.docker, helmValues: options['helm-values'], helmRelease: {chartVersion: options['helm-chart-version'], namespace: options.namespace}, paths, readOnly: options.check || options['dry-run']});
		const context: RunContext = {paths, target, caFile: options['ca-file'], restartCommand: options['restart-command'], stdout: process.stdout, stderr: process.stderr, signal: controller.signal};
		if (options.monitor) {
			const {runMonitor} = await import('./monitor/run-monitor.js');
			return await runMonitor(options, context);
		}

		if (nonInteractive) {
			const {runNonInteractive} = await import('./non-interactive.js');
			return await runNonInteractive(options, context);
		}

		// The wizard's flags are checked as the scripted face checks them: before the first question, not after the write.
		if (options['ca-file'] !== undefined) {
			const {checkRunInputs} = await import('./engine/preflight.js');
			checkRunInputs({caFile: options['ca-file']}, paths);
		}

		return await runWizard({paths, options, target}, controller.signal);
	} catch (error) {
		return fail(error, options.json === true);
	} finally {
		// A read of the configuration still running (its python3 child) must not keep the process alive.
		controller.abort();
		for (const signal of signals) process.off(signal, onSignal);
	}
}

function fail(error: unknown, json: boolean): ExitCodeValue {
	const described = describeError(error);
	const {id, message, fix, exitCode} = described;
	if (json) {
		process.stdout.write(visibleJson(JSON.stringify({ok: false, exitCode, changed: false, files: [], error: {id, message, fix}})) + '\n');
		if (described.stack) process.stderr.write(`${described.stack}\n`);
	} else {
		process.stderr.write(visibleControls(errorText(described)));
	}

	return exitCode;
}

const exitCode = await main(process.argv.slice(2));
process.exitCode = exitCode;
