import type {Readable} from 'node:stream';

/** A line as read: at most `maxBytes` of it, and whether more was cut off. */
export interface ReadLine {
	readonly text: string;
	readonly truncated: boolean;
}

/**
 * The lines of a stream in bounded memory: a line longer than `maxBytes` keeps
 * its first `maxBytes` and the rest is skipped up to the next newline, so a
 * log with a gigabyte on one line costs no more than a short one.
 */
export async function * boundedLines(stream: Readable, maxBytes: number): AsyncGenerator<ReadLine> {
	let parts: Buffer[] = [];
	let length = 0;
	let truncated = false;
	const take = (): ReadLine => {
		let buffer = Buffer.concat(parts, length);
		if (buffer.at(-1) === 0x0D) buffer = buffer.subarray(0, -1);
		const line = {text: buffer.toString('utf8'), truncated};
		parts = [];
		length = 0;
		truncated = false;
		return line;
	};

	for await (const chunk of stream) {
		const bytes = chunk as Buffer;
		let start = 0;
		while (start < bytes.length) {
			const newline = bytes.indexOf(0x0A, start);
			const end = newline === -1 ? bytes.length : newline;
			const room = maxBytes - length;
			if (end - start > room) {
				if (room > 0) parts.push(bytes.subarray(start, start + room));
				length += Math.max(room, 0);
				truncated = true;
			} else {
				parts.push(bytes.subarray(start, end));
				length += end - start;
			}

			if (newline === -1) break;
			yield take();
			start = newline + 1;
		}
	}

	if (length > 0 || truncated) yield take();
}
