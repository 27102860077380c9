import {Box, Static} from 'ink';
import type {ReactNode} from 'react';
import {HangingText} from './components/hanging-text.js';
import type {LogEntry} from './flow.js';
import {hangOf} from './text-fit.js';
import {BLOCK_HANG, blockColor, toneColor, toneSymbol} from './theme.js';

export interface LogViewProps {
	/** Finished steps; each is printed once and then belongs to the scrollback. */
	readonly entries: readonly LogEntry[];
	/** Something printed between the entries, before entries[at] (the Deliverability panel once the flow moved on). */
	readonly inserted?: {readonly at: number; readonly node: ReactNode};
}

/** The scrollback: what was answered and what happened, one line each (never the password). */
export function LogView({entries, inserted}: LogViewProps) {
	const items: Array<LogEntry | {readonly node: ReactNode}> = inserted ? [...entries.slice(0, inserted.at), {node: inserted.node}, ...entries.slice(inserted.at)] : [...entries];
	return (
		<Static items={items}>
			{(entry, index) => 'node' in entry ? <Box key={index} flexDirection="column">{entry.node}</Box> : (
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
