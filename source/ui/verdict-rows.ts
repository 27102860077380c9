import type {LogEntry} from './flow-types.js';
import {hanging, hangOf} from './text-fit.js';
import {toneSymbol} from './theme.js';

/** Rows an entry takes in the scrollback at this width, wrapped as LogView wraps it. */
function rowsOfEntry(entry: LogEntry, columns: number): number {
	const symbol = toneSymbol[entry.tone];
	const lines = [`${symbol ? `${symbol} ` : ''}${entry.text}`, ...(entry.block ?? []).map(line => `  ${line}`)];
	return lines.reduce((sum, line) => sum + hanging(line, columns, hangOf(line)).length, 0);
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
