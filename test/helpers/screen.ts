import xterm from '@xterm/headless';

const {Terminal} = xterm;

/**
 * What a terminal shows after `data`: every line of the buffer (scrollback
 * included), each cell's character with its colour and weight, as xterm.js
 * draws them. Two outputs that print the same screen by different escape
 * sequences give the same lines.
 */
export async function screenAfter(data: string, columns: number, rows: number): Promise<string[]> {
	const terminal = new Terminal({cols: columns, rows, scrollback: 1000, allowProposedApi: true});
	await new Promise<void>(resolve => terminal.write(data, resolve));
	const buffer = terminal.buffer.active;
	const lines: string[] = [];
	for (let y = 0; y < buffer.length; y++) {
		const line = buffer.getLine(y)!;
		let text = '';
		let runs = '';
		let previous = '';
		for (let x = 0; x < columns; x++) {
			const cell = line.getCell(x)!;
			const chars = cell.getChars() || ' ';
			const attributes = `${cell.getFgColorMode()}:${cell.getFgColor()}${cell.isBold() ? 'b' : ''}${cell.isDim() ? 'd' : ''}${cell.isInverse() ? 'i' : ''}`;
			text += chars;
			// The colour of a blank does not show (no background is used); inverse video does.
			if ((chars !== ' ' || cell.isInverse()) && attributes !== previous) {
				runs += ` ${x}=${attributes}`;
				previous = attributes;
			}
		}

		lines.push(`${text.trimEnd()} |${runs}`);
	}

	terminal.dispose();
	while (lines.length > 0 && lines.at(-1) === ' |') lines.pop();
	return lines;
}

/** The rows a terminal of this size shows after `data`, as plain text (what the admin sees now, scrollback aside). */
export async function visibleText(data: string, columns: number, rows: number): Promise<string> {
	const terminal = new Terminal({cols: columns, rows, scrollback: 1000, allowProposedApi: true});
	await new Promise<void>(resolve => terminal.write(data, resolve));
	const buffer = terminal.buffer.active;
	const lines: string[] = [];
	for (let y = buffer.viewportY; y < buffer.viewportY + rows; y++) lines.push(buffer.getLine(y)?.translateToString(true) ?? '');
	return lines.join('\n');
}

/** Every line a terminal of this size holds after `data`, scrollback included, as plain text. */
export async function bufferText(data: string, columns: number, rows: number): Promise<string[]> {
	const terminal = new Terminal({cols: columns, rows, scrollback: 5000, allowProposedApi: true});
	await new Promise<void>(resolve => terminal.write(data, resolve));
	const buffer = terminal.buffer.active;
	const lines: string[] = [];
	for (let y = 0; y < buffer.length; y++) lines.push(buffer.getLine(y)?.translateToString(true) ?? '');
	terminal.dispose();
	return lines;
}
