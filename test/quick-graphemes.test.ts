/**
 * The bundle's stand-ins for Intl.Segmenter, /^\p{RGI_Emoji}$/v and emoji-regex (see
 * source/ui/quick-graphemes.ts) must answer exactly as the real ones, on the
 * Node and ICU running the tests: every character they answer for is checked.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import emojiRegex from 'emoji-regex';
import {emojiRegexTest, QuickSegmenter, rgiEmojiOnly, SIMPLE_TEXT} from '../source/ui/quick-graphemes.js';

const icu = new Intl.Segmenter();
// Built from a string: the v flag is newer than the ES2022 that tsc targets here.
const rgiEmoji = new RegExp('^\\p{RGI_Emoji}$', 'v');
const segments = (segmenter: {segment(input: string): Iterable<{segment: string; index: number}>}, input: string) =>
	[...segmenter.segment(input)].map(({segment, index}) => [segment, index]);

const simple: string[] = [];
for (let code = 0; code <= 0xFFFF; code++) {
	const character = String.fromCharCode(code);
	if (SIMPLE_TEXT.test(character)) simple.push(character);
}

test('every simple character is a grapheme of its own beside any other, and no emoji alone', () => {
	assert.ok(simple.length > 1000, 'the set covers ASCII and the wizard\'s symbols');
	for (const character of [...'…→✔✖⚠›‹•·×–↑↓▏➜⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏é─']) assert.ok(simple.includes(character), `${character} is simple`);
	for (const character of simple) {
		const hex = character.charCodeAt(0).toString(16);
		// Grapheme_Cluster_Break=Other (or a Control other than CR): nothing joins it to what is before or after.
		assert.equal([...icu.segment(`a${character}a`)].length, 3, `U+${hex} joins its neighbours`);
		assert.equal([...icu.segment(character + character)].length, 2, `U+${hex} joins itself`);
		assert.equal(rgiEmoji.test(character), false, `U+${hex} is an emoji`);
		assert.equal(rgiEmojiOnly.test(character), false);
	}
});

test('QuickSegmenter segments as ICU does, simple text or not', () => {
	const quick = new QuickSegmenter();
	let seed = 7;
	const random = () => {
		seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
		return seed / 2 ** 31;
	};

	for (let round = 0; round < 2000; round++) {
		const text = Array.from({length: 1 + Math.floor(random() * 12)}, () => simple[Math.floor(random() * simple.length)]).join('');
		assert.deepEqual(segments(quick, text), segments(icu, text), JSON.stringify(text));
	}

	for (const text of ['', 'e\u0301', 'a\r\nb', '👍🏽 ok', '🇫🇷', 'ᄀ\u1161', 'x\u200Dy', '⚠\uFE0F', 'क्ष', '\u0D4Ea', '✔ done']) {
		assert.deepEqual(segments(quick, text), segments(icu, text), JSON.stringify(text));
	}

	const words = new QuickSegmenter('en', {granularity: 'word'});
	assert.deepEqual(segments(words, 'two words'), segments(new Intl.Segmenter('en', {granularity: 'word'}), 'two words'));
});

test('rgiEmojiOnly agrees with /^\\p{RGI_Emoji}$/v', () => {
	for (const text of ['👍', '👍🏽', '⚠', '⚠\uFE0F', '🇫🇷', '1\uFE0F\u20E3', '👨\u200D👩\u200D👧', 'a', '✖', '⌚', 'ab', '']) {
		assert.equal(rgiEmojiOnly.test(text), rgiEmoji.test(text), JSON.stringify(text));
	}
});

test('emojiRegexTest answers as emoji-regex (wrap-ansi\'s string-width), simple character or not', () => {
	const answered = simple.filter(character => emojiRegexTest(emojiRegex, character));
	assert.ok(answered.includes('⚠') && answered.includes('✔') && !answered.includes('•'));
	for (const character of simple) assert.equal(emojiRegexTest(emojiRegex, character), emojiRegex().test(character), `U+${character.charCodeAt(0).toString(16)}`);
	for (const text of ['👍', '👍🏽', '⚠\uFE0F', '🇫🇷', '1\uFE0F\u20E3', '👨\u200D👩\u200D👧', '⌚', 'é', '中']) {
		assert.equal(emojiRegexTest(emojiRegex, text), emojiRegex().test(text), JSON.stringify(text));
	}
});
