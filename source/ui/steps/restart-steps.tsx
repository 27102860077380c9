import {Box} from 'ink';
import {Text} from '../components/text.js';
import type {RestartResult} from '../../engine/restart.js';
import {OutputBox} from '../components/output-box.js';
import {KeyHints} from '../components/key-hints.js';
import {Question} from '../components/question.js';
import {Select, type SelectItem} from '../components/select.js';
import {Spinner} from '../components/spinner.js';
import type {FlowEvent} from '../flow.js';
import {colors, symbols} from '../theme.js';
import {command as commandMark} from '../../engine/command-text.js';
import {HangingText} from '../components/hanging-text.js';

/** Past the write there is no going back: Esc is not offered. */
const NO_BACK_HINTS = [['↑↓', 'move'], ['Enter', 'choose'], ['Ctrl-C', 'quit']] as const;

export interface RestartOfferStepProps {
	/** The command that will run. */
	readonly command: string;
	/** Whether "restart now" is highlighted (the test passed and files changed). */
	readonly recommended: boolean;
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
	/** The configuration lives in a docker-zulip deployment: its command recreates the container or pod. */
	readonly deployment?: boolean;
}

const HOST_HELP = 'The restart takes Zulip offline for a few seconds; a broken settings.py stops it before anything goes down.';
const DEPLOYMENT_HELP = 'This recreates the Zulip container with the new environment: Zulip is offline until it has started again, and docker-zulip stops at start if the settings are broken.';

export function RestartOfferStep({command, recommended, send, deployment}: RestartOfferStepProps) {
	const items = [
		{key: 'restart', value: true, label: 'Restart Zulip now'},
		{key: 'not-now', value: false, label: 'Not now', hint: 'Zulip keeps the old settings until it restarts'},
	];
	return (
		// The command in the help, where it wraps whole; a list row would cut it short.
		<Question title="Restart Zulip so it reads the new settings?" help={[`${deployment ? DEPLOYMENT_HELP : HOST_HELP} It runs ${commandMark(command)}.`]} hints={NO_BACK_HINTS}>
			<Select items={items} defaultKey={recommended ? 'restart' : 'not-now'} onSubmit={run => send({type: 'restart-chosen', run})} />
		</Question>
	);
}

export interface RestartingStepProps {
	/** The command's output so far; the box shows the last lines. */
	readonly lines: readonly string[];
	/** Ctrl-C was pressed once: say what a second one does. */
	readonly stopWarning?: boolean;
}

export function RestartingStep({lines, stopWarning}: RestartingStepProps) {
	return (
		<Box flexDirection="column" marginTop={1}>
			{/* The command is in the scrollback just above ("Running …"). */}
			<Spinner label="Restarting Zulip…" />
			<OutputBox lines={lines} title="waiting for output…" />
			{stopWarning ? (
				<Text color={colors.warn}>
					{symbols.warn} Stopping the restart half-way can leave Zulip down. Press Ctrl-C again to stop it anyway.
				</Text>
			) : (
				<KeyHints hints={[['Ctrl-C', 'stop']]} />
			)}
		</Box>
	);
}

export interface RestartFailedStepProps {
	/** What the command did. */
	readonly result: RestartResult;
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
}

export function RestartFailedStep({result, send}: RestartFailedStepProps) {
	const items: Array<SelectItem<FlowEvent>> = [
		{key: 'retry', value: {type: 'restart-chosen', run: true}, label: 'Try again'},
		{key: 'finish', value: {type: 'finish'}, label: 'Finish without restarting', hint: 'run it yourself later'},
	];
	return (
		<Box flexDirection="column" marginTop={1}>
			<Text color={colors.fail}>
				{symbols.fail} The restart failed{result.exitCode === null ? '' : ` (exit code ${result.exitCode})`}. Its last lines:
			</Text>
			<OutputBox lines={result.tail} />
			<HangingText color={colors.muted}>{`Errors in settings.py show up here; /var/log/zulip/errors.log has the rest. To run it yourself: ${commandMark(result.command)}`}</HangingText>
			<Question title="What now?" hints={NO_BACK_HINTS}>
				<Select items={items} onSubmit={send} />
			</Question>
		</Box>
	);
}
