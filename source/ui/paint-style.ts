/**
 * The few styles the first frame uses, by the escape codes chalk writes for
 * them (ansi-styles' open and close pairs), so the painted frame and Ink's
 * frame colour the same cells the same way without loading chalk first.
 */
export type StyleName = 'bold' | 'cyan' | 'gray' | 'green' | 'red' | 'yellow';
export type PaintStyle = Record<StyleName, (text: string) => string>;

const CODES: Record<StyleName, readonly [number, number]> = {
	bold: [1, 22],
	cyan: [36, 39],
	gray: [90, 39],
	green: [32, 39],
	red: [31, 39],
	yellow: [33, 39],
};

export function paintStyle(colour: boolean): PaintStyle {
	const style = (name: StyleName) => {
		const [open, close] = CODES[name];
		// As chalk: no colour leaves text as it is, and empty text stays empty.
		return (text: string) => (colour && text !== '' ? `\u001B[${open}m${text}\u001B[${close}m` : text);
	};

	return {bold: style('bold'), cyan: style('cyan'), gray: style('gray'), green: style('green'), red: style('red'), yellow: style('yellow')};
}
