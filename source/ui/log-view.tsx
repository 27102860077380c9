import {Box, Static} from 'ink';
import {HangingText} from './components/hanging-text.js';
import type {LogEntry} from './flow.js';
import {hangOf} from './text-fit.js';
import {BLOCK_HANG, blockColor, toneColor, toneSymbol} from './theme.js';

export interface LogViewProps {
	/** Finished steps; each is printed once and then belongs to the scrollback. */
	readonly entries: readonly LogEntry[];
}

/** The scrollback: what was answered and what happened, one line each (never the password). */
export function LogView({entries}: LogViewProps) {
	return (
		<Static items={[...entries]}>
			{(entry, index) => (
				<Box key={index} flexDirection="column">
					<HangingText color={toneColor[entry.tone]}>{`${toneSymbol[entry.tone] ? `${toneSymbol[entry.tone]} ` : ''}${entry.text}`}</HangingText>
					{entry.block?.map((line, lineIndex) => (
						<HangingText key={lineIndex} color={blockColor(line)} hang={Math.max(hangOf(`  ${line}`), BLOCK_HANG)}>
							{`  ${line}`}
						</HangingText>
					))}
				</Box>
			)}
		</Static>
	);
}
