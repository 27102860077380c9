import {filterItems, initialSelectState} from './components/select-state.js';
import type {PaintStyle, StyleName} from './paint-style.js';
import type {FlowState, LogEntry} from './flow.js';
import {preselectedChoice, providerChoices} from './flow-start.js';
import {hintsLine, listLimit, PROVIDER_HINTS, PROVIDER_QUESTION, providerItems} from './layout.js';
import {BLOCK_HANG, blockColor, colors, symbols, toneColor, toneSymbol} from './theme.js';
import {plainText} from '../engine/command-text.js';
import {visibleControls} from '../engine/shown-text.js';

/**
 * The wizard's first frame as text, without React or Ink's layout engine: the
 * summary of what is configured (what <Static> prints) and the provider
 * question (the live region), cell for cell what Ink draws for the same state.
 * early-paint.ts shows it while Ink loads; test/first-frame.test.ts holds the
 * two equal on a terminal emulator, at several sizes, with and without colour.
 *
 * It mirrors LogView, Question and Select for the one step it paints, styles
 * text with chalk's codes (paint-style.ts), and wraps and truncates it with
 * the functions Ink itself uses (wrap-ansi and cli-truncate, through
 * text-fit.ts), so widths agree for any text.
 */
export interface FirstFrame {
	/** The log entries, as <Static> prints them; they stay in the scrollback. */
	readonly scrollback: string;
	/** How many of the state's log entries `scrollback` holds. */
	readonly entries: number;
	/** The provider question, with the newline Ink writes after its frame. */
	readonly live: string;
	/** Lines `live` covers: what Ink's first frame replaces. */
	readonly liveLines: number;
}

/** Wrapping and truncation as Ink does them: text-fit.ts. */
export interface TextFit {
	wrap(text: string, width: number): string[];
	truncate(text: string, width: number): string;
	/** HangingText's wrap (LogView): continuation lines indented past the marker. */
	hanging(text: string, width: number, hang: number): string[];
}

/** How far a line's text starts after its marker (text-fit.ts hangOf, repeated so the common case loads nothing). */
function hangOf(line: string): number {
	return /^(\s*)(?:[✔✖⚠•–…➜›‹!] )?/.exec(line)?.[0].length ?? 0;
}

export interface TerminalSize {
	readonly columns: number;
	readonly rows: number;
}

/**
 * Whether text fits in `width` columns by any measure: no character takes more
 * than two columns, and a printable ASCII one takes one. Most lines of the
 * frame fit, and are then left as they are without running the text-width
 * libraries (cold, they cost milliseconds of the first frame).
 */
function surelyFits(styled: string, width: number): boolean {
	let columns = 0;
	// eslint-disable-next-line no-control-regex
	for (const character of styled.replace(/\u001B\[[\d;]*m/g, '')) columns += character >= ' ' && character <= '~' ? 1 : 2;
	return columns <= width;
}

/** Narrower than this, Yoga squeezes margins and the list is mostly ellipsis: leave it to Ink. */
const MIN_COLUMNS = 20;

/**
 * The frame for this state and terminal, or undefined when the first frame is
 * not the provider question. Without `fit`, only a frame whose every line
 * surely fits can be made (the usual case, and the text-width libraries need
 * not load); otherwise the answer is 'needs-text-fit'.
 */
export function firstFrame(state: FlowState, terminal: TerminalSize, style: PaintStyle, fit?: TextFit): FirstFrame | 'needs-text-fit' | undefined {
	const {columns, rows} = terminal;
	if (state.step.kind !== 'provider' || !(columns >= MIN_COLUMNS) || !(rows > 0)) return undefined;
	const tint = (color: string | undefined, text: string) => (color ? style[color as StyleName](text) : text);
	let needsFit = false;
	// Text's default: wrap to the box's width. Text that surely fits is as wrap-ansi would leave it.
	const wrap = (text: string, width: number): string[] => {
		if (surelyFits(text, width)) return [text];
		if (fit) return fit.wrap(text, width);
		needsFit = true;
		return [text];
	};

	// Text wrap="truncate-end"; cli-truncate leaves text that fits as it is.
	const truncate = (text: string, width: number): string => {
		if (surelyFits(text, width)) return text;
		if (fit) return fit.truncate(text, width);
		needsFit = true;
		return text;
	};
	const indent = (lines: readonly string[]) => lines.map(line => `  ${line}`);

	// HangingText: wrapped with continuation lines under the text, not under the marker.
	const hangingLines = (text: string, color: string | undefined, hang = hangOf(text)): string[] => {
		// Marks around commands (engine/command-text.ts) are not shown; text that fits with them fits without.
		if (surelyFits(text, columns)) return [tint(color, plainText(text))];
		if (fit) return fit.hanging(text, columns, hang).map(line => tint(color, line));
		needsFit = true;
		return [text];
	};

	// <Static>: each entry's headline in its tone, then its block indented by two.
	const scrollback = state.log.flatMap((entry: LogEntry) => {
		const symbol = toneSymbol[entry.tone];
		return [
			// Shown as HangingText shows them: values from files, escaped (shown-text.ts).
			...hangingLines(visibleControls(`${symbol ? `${symbol} ` : ''}${entry.text}`), toneColor[entry.tone]),
			...(entry.block ?? []).map(line => visibleControls(line)).flatMap(line => hangingLines(`  ${line}`, blockColor(line), Math.max(hangOf(`  ${line}`), BLOCK_HANG))),
		];
	});

	// The live region: Question (marginTop 1, bold title, KeyHints) around a filterable Select in a marginLeft 2 box.
	const inner = columns - 2;
	const limit = listLimit(rows);
	const items = providerItems(providerChoices(state.settings));
	const select = initialSelectState(items, preselectedChoice(state), limit);
	const visible = filterItems(items, select.filter);
	const shown = visible.slice(select.offset, select.offset + limit);
	const below = Math.max(0, visible.length - select.offset - limit);
	const list = [
		...wrap(tint(colors.muted, 'Filter: ') + tint(colors.muted, 'type to search'), inner),
		...(select.offset > 0 ? wrap(tint(colors.muted, `  ↑ ${select.offset} more`), inner) : []),
		...shown.map((item, index) => {
			const highlighted = index + select.offset === select.highlight;
			const label = tint(highlighted ? colors.accent : undefined, `${highlighted ? `${symbols.pointer} ` : '  '}${item.label}`);
			return truncate(label + (item.hint ? tint(colors.muted, `  ${item.hint}`) : ''), inner);
		}),
		...(below > 0 ? wrap(tint(colors.muted, `  ↓ ${below} more`), inner) : []),
	];
	const live = [
		'',
		...wrap(style.bold(tint(colors.accent, '? ') + PROVIDER_QUESTION), columns),
		...indent(list),
		// KeyHints breaks between hints at the terminal's width; a single hint wider than that is cut, as Ink cuts it.
		...hintsLine(PROVIDER_HINTS, columns).split('\n').map(line => truncate(tint(colors.muted, line), columns)),
	];
	if (needsFit) return 'needs-text-fit';
	// Ink keeps the live region off the last row; so must this, or the handover could not reach its top.
	if (live.length >= rows) return undefined;

	return {
		scrollback: scrollback.map(line => `${line}\n`).join(''),
		entries: state.log.length,
		live: `${live.join('\n')}\n`,
		liveLines: live.length,
	};
}
