/**
 * Sizes and words the Ink components and the first frame (first-frame.ts)
 * share, free of React so the first frame can be painted before Ink loads.
 */
import type {SelectItem} from './components/select-state.js';
import type {ProviderChoice, ProviderChoiceId} from './flow.js';

/**
 * Rows a select list may use: lists shrink so the live region never fills
 * the screen (Ink would clear the scrollback), and grow into the rows a
 * taller terminal has.
 */
export function listLimit(rows: number): number {
	return Math.max(3, rows - 12);
}

/**
 * The dim line of key hints under a question. Given a width it breaks
 * between hints, never inside one, so a narrow terminal still shows every
 * key ("Ctrl-C quit" last) rather than a line cut short.
 */
export function hintsLine(hints: ReadonlyArray<readonly [string, string]>, width = Number.POSITIVE_INFINITY): string {
	const lines: string[] = [];
	for (const hint of hints.map(([key, action]) => `${key} ${action}`)) {
		const last = lines.at(-1);
		if (last !== undefined && [...`${last} · ${hint}`].length <= width) lines[lines.length - 1] = `${last} · ${hint}`;
		else lines.push(hint);
	}

	return lines.join('\n');
}

export const PROVIDER_QUESTION = "Which service should send Zulip's email?";

/** The first question has nowhere to go back to: its footer says only what works. */
export const PROVIDER_HINTS = [['↑↓', 'move'], ['type', 'filter'], ['Enter', 'choose'], ['Ctrl-C', 'quit']] as const;
export const PROVIDER_HINTS_WITH_BACK = [['↑↓', 'move'], ['type', 'filter'], ['Enter', 'choose'], ['Esc', 'back'], ['Ctrl-C', 'quit']] as const;

export function providerItems(choices: readonly ProviderChoice[]): SelectItem<ProviderChoiceId>[] {
	return choices.map(choice => ({key: choice.id, value: choice.id, label: choice.name, hint: choice.summary}));
}
