/**
 * Stand-ins, in the release bundle only (scripts/build.js swaps them in), for
 * three things Ink's text-width libraries build: an Intl.Segmenter (ICU loads
 * its break rules: ~10 ms for the first one), /^\p{RGI_Emoji}$/v (~15 ms to
 * build) and emoji-regex's pattern (~4 ms, on the first width wrap-ansi
 * measures). The wizard's text is nearly always
 * ASCII plus a few symbols (…→✔✖⚠⠋•), where neither can change a result: each
 * such character is a grapheme of its own and no such character alone is an
 * emoji. For that text the answers are given directly; anything else goes to
 * the real Segmenter and regex, created on first need. The libraries' own
 * width rules run unchanged, so every width is what they would compute.
 * test/quick-graphemes.test.ts checks both claims against ICU, character by
 * character, on the Node running it.
 */

/**
 * Characters that are a grapheme cluster of their own next to any other
 * character of this set (Grapheme_Cluster_Break=Other, or a Control other than
 * CR: UAX #29 breaks around those), and none of which is an RGI emoji alone.
 */
// eslint-disable-next-line no-control-regex
export const SIMPLE_TEXT = /^[\0-\f\u000E-\u007F\u0080-\u00AC\u00AE-\u024F\u2010-\u2027\u2030-\u205E\u20A0-\u20C0\u2100-\u214F\u2190-\u21FF\u2500-\u25FC\u2690-\u2692\u2694-\u26A0\u2700-\u2704\u270C-\u2727\u2758-\u2794\u2798-\u27AF\u2800-\u28FF]*$/;

interface Segment {
	segment: string;
	index: number;
	input: string;
}

function* oneByOne(input: string): Generator<Segment> {
	// SIMPLE_TEXT is all BMP: one UTF-16 unit per character.
	for (let index = 0; index < input.length; index++) yield {segment: input[index]!, index, input};
}

/** Intl.Segmenter for what the libraries ask of it (grapheme `segment()`), without loading ICU's rules for simple text. */
export class QuickSegmenter {
	#real: Intl.Segmenter | undefined;
	readonly #locales: string | string[] | undefined;
	readonly #options: Intl.SegmenterOptions | undefined;
	readonly #graphemes: boolean;

	constructor(locales?: string | string[], options?: Intl.SegmenterOptions) {
		this.#locales = locales;
		this.#options = options;
		this.#graphemes = (options?.granularity ?? 'grapheme') === 'grapheme';
	}

	segment(input: string): Intl.Segments | Iterable<Segment> {
		input = String(input);
		if (this.#graphemes && SIMPLE_TEXT.test(input)) {
			return {
				[Symbol.iterator]: () => oneByOne(input),
				containing: (index?: number) => this.#segmenter().segment(input).containing(index),
			};
		}

		return this.#segmenter().segment(input);
	}

	resolvedOptions(): Intl.ResolvedSegmenterOptions {
		return this.#segmenter().resolvedOptions();
	}

	#segmenter(): Intl.Segmenter {
		this.#real ??= new Intl.Segmenter(this.#locales, this.#options);
		return this.#real;
	}
}

let rgiEmoji: RegExp | undefined;

/** /^\p{RGI_Emoji}$/v, built on first need: a single simple character is never one. */
export const rgiEmojiOnly = {
	test(text: string): boolean {
		if (text.length === 1 && SIMPLE_TEXT.test(text)) return false;
		rgiEmoji ??= new RegExp('^\\p{RGI_Emoji}$', 'v');
		return rgiEmoji.test(text);
	},
};

/**
 * The characters of SIMPLE_TEXT that emoji-regex matches alone: it also
 * matches emoji in their text style (⚠ ✔ ✖ © ↔…), which wrap-ansi's
 * string-width then counts as two columns.
 */
const SIMPLE_TEXT_EMOJI = '\u00A9\u00AE\u203C\u2049\u2122\u2139\u2194\u2195\u2196\u2197\u2198\u2199\u21A9\u21AA\u25AA\u25AB\u25B6\u25C0\u25FB\u25FC\u2692\u2694\u2695\u2696\u2697\u2699\u269B\u269C\u26A0\u2702\u270C\u270D\u270F\u2712\u2714\u2716\u271D\u2721\u2763\u2764\u27A1';

/**
 * `emojiRegex().test(text)`, as wrap-ansi's string-width asks it of one
 * grapheme: a simple character is answered from the list above, anything
 * else by the real pattern (`pattern` is emoji-regex's own factory).
 */
export function emojiRegexTest(pattern: () => RegExp, text: string): boolean {
	if (text.length === 1 && SIMPLE_TEXT.test(text)) return SIMPLE_TEXT_EMOJI.includes(text);
	return pattern().test(text);
}
