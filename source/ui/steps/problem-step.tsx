import {Box, useInput} from 'ink';
import {HangingText} from '../components/hanging-text.js';
import {KeyHints} from '../components/key-hints.js';
import type {FlowEvent, Problem} from '../flow.js';
import {useInputReady} from '../input-ready.js';
import {colors, symbols} from '../theme.js';

export interface ProblemStepProps {
	/** What went wrong, each with its fix. */
	readonly problems: readonly Problem[];
	/** back: Enter returns to the question; exit: Enter ends the wizard. */
	readonly then: 'back' | 'exit';
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
}

export function ProblemStep({problems, then, send}: ProblemStepProps) {
	useInput((_input, key) => {
		if (key.return || key.escape) send({type: 'dismiss'});
	});
	useInputReady();
	return (
		<Box flexDirection="column" marginTop={1}>
			{problems.map(problem => (
				<Box key={problem.message} flexDirection="column">
					<HangingText color={colors.fail}>{`${symbols.fail} ${problem.message}`}</HangingText>
					{problem.fix ? <HangingText hang={7}>{`  Fix: ${problem.fix}`}</HangingText> : null}
				</Box>
			))}
			<KeyHints hints={then === 'back' ? [['Enter', 'back'], ['Ctrl-C', 'quit']] : [['Enter', 'exit']]} />
		</Box>
	);
}
