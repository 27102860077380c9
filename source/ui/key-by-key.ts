/**
 * stdin as Ink should read it for a wizard: one character per read.
 *
 * Ink hands a run of plain characters read at once to useInput as a single
 * input, so "send⏎" arrives as one string whose Enter is not a key.return,
 * and "ab" followed by Ctrl-C as one string that is not a Ctrl-C. That
 * happens whenever keys come faster than Ink reads them: typed while Ink was
 * still loading behind the painted first frame (early-paint.ts), or typed
 * ahead over a slow SSH link. Reading one character at a time, Ink's own
 * parser sees each key alone, and still joins the parts of an escape sequence
 * (an arrow key) across reads, as it does when a sequence is split by the
 * terminal.
 */
export function keyByKey<T extends NodeJS.ReadStream>(stdin: T): T {
	let queue: string[] = [];
	const read = (): string | Buffer | null => {
		if (queue.length === 0) {
			const chunk = stdin.read() as string | Buffer | null;
			// Bytes (no encoding set) cannot be split safely: pass them on whole.
			if (typeof chunk !== 'string') return chunk;
			// A line feed is an Enter: keys typed before the terminal went raw arrive with their
			// Enter turned into \n, and so does Ctrl-J; a pasted CRLF is one Enter.
			queue = [...chunk.replaceAll('\r\n', '\r').replaceAll('\n', '\r')];
		}

		return queue.shift() ?? null;
	};

	return new Proxy(stdin, {
		get(target, property) {
			if (property === 'read') return read;
			const value: unknown = Reflect.get(target, property, target);
			return typeof value === 'function' ? value.bind(target) : value;
		},
	});
}
