import {useStdout} from 'ink';
import {useEffect, useState} from 'react';

export interface TerminalSize {
	readonly columns: number;
	readonly rows: number;
}

/**
 * The terminal's size, rendering again when it changes: lists take the rows
 * there are, and text wraps at the new width (Ink alone would only lay the
 * old text out again). Ink has cleared the screen by then (resize-redraw.ts).
 */
export function useTerminalSize(): TerminalSize {
	const {stdout} = useStdout();
	const [size, setSize] = useState<TerminalSize>(() => ({columns: stdout.columns || 80, rows: stdout.rows || 24}));
	useEffect(() => {
		const update = () => setSize({columns: stdout.columns || 80, rows: stdout.rows || 24});
		stdout.on('resize', update);
		return () => {
			stdout.off('resize', update);
		};
	}, [stdout]);
	return size;
}
