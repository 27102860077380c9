import {readFile} from 'node:fs/promises';

/**
 * `--licenses`: this tool's licence, then the notices of everything it
 * contains (THIRD-PARTY-NOTICES, written by the build from what it bundled;
 * the executables' copy adds Node's licence). The npm package has both files
 * beside the bundle; an executable has them as assets (scripts/package.js).
 */
export async function licencesText(): Promise<string> {
	// node:sea is missing before Node 20.12; the npm build still runs there.
	const sea = await import('node:sea').then(module => (module.isSea() ? module : undefined), () => undefined);
	const [licence, notices] = sea
		? [sea.getAsset('LICENSE', 'utf8'), sea.getAsset('THIRD-PARTY-NOTICES', 'utf8')]
		// Beside the bundle's chunks (dist/THIRD-PARTY-NOTICES) and a level up (the package's LICENSE).
		: await Promise.all([readFile(new URL('../LICENSE', import.meta.url), 'utf8'), readFile(new URL('THIRD-PARTY-NOTICES', import.meta.url), 'utf8')]);
	return `${licence.trimEnd()}\n\n${notices.trimEnd()}\n`;
}
