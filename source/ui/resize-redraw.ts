/**
 * A resized terminal gets the whole transcript again, from a clean screen.
 *
 * Ink erases its live frame by counting the lines it wrote. A resized
 * terminal rewraps what is on screen (xterm.js, VTE, tmux, iTerm2, kitty all
 * reflow), so after a narrower-then-wider resize that count no longer covers
 * the frame, and pieces of old frames stay on screen. No count of rows can be
 * right for every terminal (some reflow, some cut), and rows pushed into the
 * scrollback cannot be reached by moving the cursor at all. So on every
 * resize Ink (patched at build time, scripts/dependency-patches.js) clears
 * the screen and its scrollback and prints again what a fresh run would have
 * printed: what came before Ink (the sandbox's banner, the summary painted
 * while Ink loaded), everything <Static> printed, then the frame at the new
 * size. Ink does the same when a frame outgrows the screen; that redraw gets
 * the earlier text too.
 */

// ansi-escapes' clearTerminal (outside Windows) and the synchronized update around it.
const CLEAR_TERMINAL = '\u001B[2J\u001B[3J\u001B[H';
const BEGIN_SYNCHRONIZED = '\u001B[?2026h';
const END_SYNCHRONIZED = '\u001B[?2026l';

let printed = '';

/** Text printed for the admin before Ink took over the terminal, to print again after a clear. */
export function notePrintedBeforeInk(text: string): void {
	printed += text;
}

export function printedBeforeInk(): string {
	return printed;
}

/** What a redraw uses of Ink's instance (ink/build/ink.js); the build fails if the patched code moves. */
export interface InkInstance {
	readonly options: {readonly stdout: NodeJS.WriteStream};
	readonly fullStaticOutput: string;
	lastOutput: string;
	lastOutputToRender: string;
	lastOutputHeight: number;
	readonly log: {sync(text: string): void};
}

/** Called by Ink on 'resize' before it lays out and renders again: clear, print the transcript, and let Ink print its frame below it. */
export function redrawAfterResize(ink: InkInstance): void {
	ink.options.stdout.write(BEGIN_SYNCHRONIZED + CLEAR_TERMINAL + printed + ink.fullStaticOutput + END_SYNCHRONIZED);
	// Nothing of the old frame is left to erase: Ink's next frame starts on the line under the transcript.
	ink.log.sync('');
	ink.lastOutput = '';
	ink.lastOutputToRender = '';
	ink.lastOutputHeight = 0;
}
