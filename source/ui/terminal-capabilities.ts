/**
 * What the terminal can do beyond printing text, decided once here for every
 * part of the wizard (the painted first frame, Ink's renderer, the
 * components).
 *
 * TERM=dumb says the terminal cannot move its cursor or erase: Emacs's
 * M-x shell, some serial consoles, logs made with script(1). There the wizard
 * appends plain lines (line-mode-output.ts) instead of redrawing a frame.
 * Colour is chalk's own decision (colour-support.ts): off for TERM=dumb unless
 * FORCE_COLOR asks for it, as Emacs users with ansi-color do.
 *
 * INK_SCREEN_READER is not a reason by itself: Ink's screen-reader mode has
 * its own text, and redraws it in place.
 */
export function lineMode(env: NodeJS.ProcessEnv = process.env): boolean {
	return env['TERM'] === 'dumb';
}
