/**
 * Text that comes from outside this process (an SMTP server's replies, DNS,
 * a program's output, and files: settings.py values, Compose and Helm
 * values, a lock file, backups' names) on its way to a terminal, a JSON
 * report or a transcript. Whoever can write a file the tool reads is as
 * hostile as a server: OSC 52 writes the clipboard, OSC 0 retitles, ESC[2J
 * clears, a bidi override makes text read backwards.
 */

// C0 and C1 controls except tab and line feed, DEL; ESC among them, so no sequence reaches the terminal.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
// Bidirectional marks, embeddings, overrides and isolates, and the line/paragraph separators some terminals break on.
const REORDER = /[\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;

/** Control characters made visible as `\xNN`, bidi controls as `\uNNNN`: the text still reads as what it was, and does nothing. */
export function visibleControls(text: string): string {
	return text
		.replace(CONTROL, char => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`)
		.replace(REORDER, char => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// What JSON.stringify leaves raw: DEL, C1, bidi controls (it escapes C0 itself).
const JSON_RAW = /[\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;

/**
 * A JSON text with every control and bidi character escaped as `\uNNNN`:
 * still the same JSON value for a program that parses it, and nothing that
 * acts on a terminal it is printed to.
 */
export function visibleJson(json: string): string {
	return json.replace(JSON_RAW, char => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
