// THIRD-PARTY-NOTICES: every package the bundle holds, found in esbuild's
// metafile (the files that went into the output, so a package that is only a
// dependency on paper is not listed and one that is bundled cannot be missed),
// with its name, version, licence and licence text; for the single
// executables, Node's own LICENSE too. The bundles themselves keep no legal
// comments (legalComments: 'none', smaller files to parse before the first
// frame): this file, shipped beside them in the npm package and inside the
// executables (--licenses), carries every notice instead.
//
// The build fails, rather than ship without a notice, when a bundled package
// has no licence text or a licence that is not on ALLOWED_LICENCES.
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

/** Permissive licences a bundled package may carry (SPDX ids). Anything else fails the build until someone looks. */
export const ALLOWED_LICENCES = ['MIT', 'ISC', 'BSD-2-Clause', 'BSD-3-Clause', 'Apache-2.0', 'MIT-0', '0BSD', 'BlueOak-1.0.0'];

/** Licence texts for packages whose tarball has none (scripts/licence-texts/NAME, with its source in NAME.source). */
const TEXTS_DIR = fileURLToPath(new URL('licence-texts/', import.meta.url));

/** A licence file in a package's folder: LICENSE, LICENCE, LICENSE.md, LICENSE-MIT, COPYING…; NOTICE, which Apache-2.0 asks to pass on. */
const LICENCE_FILE = /^(?:licen[cs]e|copying|notice)(?:[-.][\w.-]*)?$/i;

/**
 * The bundled packages: for each input under node_modules, the innermost
 * package folder holding it (a nested node_modules is a package of its own,
 * with its own version), read from its package.json.
 */
export function bundledPackages(metafile, root = process.cwd()) {
	const folders = new Set();
	for (const input of Object.keys(metafile.inputs)) {
		const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input.replaceAll('\\', '/'));
		if (match) folders.add(match[1]);
	}

	return [...folders].map(folder => {
		const dir = path.resolve(root, folder);
		const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
		return {name: manifest.name, version: manifest.version, licence: licenceOf(manifest), text: licenceText(dir, manifest.name), folder};
	}).sort((a, b) => (a.name === b.name ? compareVersions(a.version, b.version) : a.name < b.name ? -1 : 1));
}

/** The SPDX expression package.json declares ("license", or the old "licenses" list), as written. */
function licenceOf(manifest) {
	if (typeof manifest.license === 'string') return manifest.license;
	if (manifest.license?.type) return manifest.license.type;
	if (Array.isArray(manifest.licenses)) return manifest.licenses.map(entry => entry.type ?? entry).join(' OR ');
	return undefined;
}

/** The package's licence files, whole, in name order; else the text kept in scripts/licence-texts; else undefined. */
export function licenceText(dir, name, textsDir = TEXTS_DIR) {
	const files = readdirSync(dir).filter(file => LICENCE_FILE.test(file)).sort();
	const texts = files.map(file => readFileSync(path.join(dir, file), 'utf8').trim()).filter(text => text !== '');
	if (texts.length > 0) return texts.join('\n\n');
	const kept = path.join(textsDir, name.replaceAll('/', '__'));
	return existsSync(kept) ? readFileSync(kept, 'utf8').trim() : undefined;
}

/**
 * Whether an SPDX expression is allowed: every licence of an AND, at least
 * one side of an OR (the recipient may choose it). Parentheses group.
 */
export function licenceAllowed(expression, allowed = ALLOWED_LICENCES) {
	if (typeof expression !== 'string') return false;
	const tokens = expression.match(/\(|\)|[^\s()]+/g) ?? [];
	let at = 0;
	const orExpression = () => {
		let result = andExpression();
		while (tokens[at]?.toUpperCase() === 'OR') {
			at++;
			result = andExpression() || result;
		}

		return result;
	};

	const andExpression = () => {
		let result = term();
		while (tokens[at]?.toUpperCase() === 'AND') {
			at++;
			result = term() && result;
		}

		return result;
	};

	const term = () => {
		const token = tokens[at++];
		if (token === '(') {
			const result = orExpression();
			if (tokens[at++] !== ')') throw new Error(`Unbalanced licence expression: ${expression}`);
			return result;
		}

		return token !== undefined && allowed.includes(token);
	};

	const result = orExpression();
	return at === tokens.length && result;
}

/** Why these packages may not ship as they are: one line each; empty when all may. */
export function noticeProblems(packages, allowed = ALLOWED_LICENCES) {
	return packages.flatMap(({name, version, licence, text, folder}) => [
		...(text === undefined ? [`${name}@${version} (${folder}) has no licence text: add it as scripts/licence-texts/${name.replaceAll('/', '__')}, from the package's repository`] : []),
		...(licenceAllowed(licence, allowed) ? [] : [`${name}@${version} (${folder}) is licensed ${licence ?? '(nothing declared)'}, not one of ${allowed.join(', ')}: check it may be bundled, then extend ALLOWED_LICENCES in scripts/notices.js`]),
	]);
}

const RULE = '='.repeat(78);

/**
 * The notices file: a header naming what it covers, then one section per
 * package (name, version, licence, text), then `extra` sections (Node's
 * licence, for the executables). Same packages, same bytes.
 */
export function noticesText(packages, {product, extra = []}) {
	const problems = noticeProblems(packages);
	if (problems.length > 0) throw new Error(`Third-party notices cannot be made:\n  ${problems.join('\n  ')}`);
	const sections = [
		...packages.map(({name, version, licence, text}) => `${name} ${version}\nLicence: ${licence}\n\n${text}\n`),
		...extra.map(({title, licence, text}) => `${title}\nLicence: ${licence}\n\n${text.trim()}\n`),
	];
	return [
		`THIRD-PARTY NOTICES: ${product}`,
		'',
		`zulip-email-setup is MIT-licensed (LICENSE, or --licenses). It contains the`,
		`following ${packages.length} packages${extra.length > 0 ? ' and ' + extra.map(section => section.title).join(', ') : ''}, each under the licence given with it.`,
		'',
		...sections.flatMap(section => [RULE, section]),
	].join('\n');
}

function compareVersions(a, b) {
	const pa = a.split(/[.-]/).map(Number);
	const pb = b.split(/[.-]/).map(Number);
	for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
		if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
	}

	return a < b ? -1 : a > b ? 1 : 0;
}
