import {existsSync} from 'node:fs';
import type {ExitCodeValue} from '../engine/errors.js';
import {paintEarly} from './early-paint.js';
import {createEngine} from './engine-port.js';
import {startWizard, type WizardOptions} from './wizard-start.js';

/**
 * The interactive face, from the CLI: the configuration is read first; the
 * first question is painted as soon as it is known; Ink, the larger part of
 * the start, then loads behind it and takes it over. One module, so
 * everything before the paint loads in one go.
 */
export async function runWizard(wizard: Pick<WizardOptions, 'paths' | 'options' | 'target'>, signal: AbortSignal): Promise<ExitCodeValue> {
	// Tests in a pseudo-terminal only (test-signals.ts): loaded only then, so the start does not load React for it.
	if (process.env['ZULIP_EMAIL_SETUP_TEST_SIGNALS'] === '1') {
		const {emitTestSignals} = await import('./test-signals.js');
		for (const stream of [process.stdout, process.stderr]) emitTestSignals(stream);
	}

	// No Zulip here: perhaps a docker-zulip checkout to offer instead (checked only then, to keep the start fast).
	if ((!wizard.target || wizard.target.kind === 'host') && !wizard.options?.settings && !existsSync(wizard.paths.settings)) {
		const {detectedCheckout, offerCheckout} = await import('./deployment-question.js');
		const checkout = await detectedCheckout(wizard.paths);
		if (checkout) wizard = {...wizard, target: await offerCheckout(checkout, process.stdin, process.stdout)};
	}

	const loading = createEngine({paths: wizard.paths, target: wizard.target}).load(signal);
	// A failure is the wizard's to show; until it looks, it must not count as unhandled.
	loading.catch(() => undefined);
	const started = await startWizard({...wizard, loading});
	// Tests of what happens while Ink loads hold the load until they acted (SIGUSR2), or a fast load could come first.
	const held = process.env['ZULIP_EMAIL_SETUP_TEST_HOLD_INK'] === '1' ? new Promise(resolve => process.once('SIGUSR2', resolve)) : undefined;
	const painted = await paintEarly(started, process.stdin, process.stdout);
	if (held && painted) {
		// A signal listener alone does not keep Node running.
		const alive = setInterval(() => undefined, 1 << 30);
		await held;
		clearInterval(alive);
	}

	const {renderWizard} = await import('./app.js');
	return renderWizard({...wizard, started, painted});
}
