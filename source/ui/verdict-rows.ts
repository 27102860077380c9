import type {LogEntry} from './flow-types.js';
import {hanging, hangOf} from './text-fit.js';
import {BLOCK_HANG, toneSymbol} from './theme.js';

/** Rows an entry takes in the scrollback at this width, wrapped as LogView wraps it. */
function rowsOfEntry(entry: LogEntry, columns: number): number {
	const symbol = toneSymbol[entry.tone];
	const head = `${symbol ? `${symbol} ` : ''}${entry.text}`;
	const block = (entry.block ?? []).map(line => `  ${line}`);
	return hanging(head, columns, hangOf(head)).length + block.reduce((sum, line) => sum + hanging(line, columns, Math.max(hangOf(line), BLOCK_HANG)).length, 0);
}

/**
 * Rows from the last test's verdict ("✔ Test passed") to the bottom of the
 * scrollback: what the live region below must leave on screen for the
 * verdict to stay visible. 0 when no test passed.
 */
export function rowsFromVerdict(log: readonly LogEntry[], columns: number): number {
	const verdict = log.findLastIndex(entry => entry.tone === 'ok' && entry.text.startsWith('Test passed'));
	if (verdict === -1) return 0;
	return log.slice(verdict).reduce((sum, entry) => sum + rowsOfEntry(entry, columns), 0);
}
