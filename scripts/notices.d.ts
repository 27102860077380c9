// Types for scripts/notices.js (plain JavaScript, run by the build without tsx), for the tests.
export interface BundledPackage {
	readonly name: string;
	readonly version: string;
	/** The SPDX expression package.json declares; undefined when it declares none. */
	readonly licence: string | undefined;
	/** The licence files' text; undefined when the package has none and none is kept in scripts/licence-texts. */
	readonly text: string | undefined;
	/** Its folder, relative to the build's root (node_modules/…). */
	readonly folder: string;
}

export const ALLOWED_LICENCES: readonly string[];
export function bundledPackages(metafile: {readonly inputs: Record<string, unknown>}, root?: string): BundledPackage[];
export function licenceText(dir: string, name: string, textsDir?: string): string | undefined;
export function licenceAllowed(expression: unknown, allowed?: readonly string[]): boolean;
export function noticeProblems(packages: readonly BundledPackage[], allowed?: readonly string[]): string[];
export function noticesText(packages: readonly BundledPackage[], options: {readonly product: string; readonly extra?: ReadonlyArray<{readonly title: string; readonly licence: string; readonly text: string}>}): string;
