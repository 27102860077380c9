/**
 * Text that comes from outside (an SMTP server's replies, the restart
 * command's output) on its way to a terminal or a JSON report.
 */

// C0 and C1 controls except tab and line feed; ESC among them, so no sequence reaches the terminal.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

/** Control characters made visible as `\xNN`: a server cannot retitle, clear or recolour the admin's terminal. */
export function visibleControls(text: string): string {
	return text.replace(CONTROL, char => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
