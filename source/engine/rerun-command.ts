import {accessSync, constants, statSync} from 'node:fs';
import path from 'node:path';

/**
 * The exact command that tests this run's files again: the program as the
 * admin started it (the name on PATH, or the path they typed), and the flags
 * that name the files of the mode in use. `zulip-email-setup --check` alone
 * checks /etc/zulip: wrong in the sandbox, in Compose and in Helm.
 */

/** How this process was started, as the parts that say how to start it again. */
export interface Invocation {
	/** The script (npm build) or, in a single executable, the executable itself. */
	readonly script?: string;
	/** argv[0] as typed (the single executable's own name or path). */
	readonly argv0: string;
	readonly execPath: string;
	readonly cwd: string;
	readonly pathVariable?: string;
	/** Run through sudo (root with SUDO_USER): the rerun needs it too. */
	readonly sudo: boolean;
}

export function currentInvocation(): Invocation {
	return {
		script: process.argv[1],
		argv0: process.argv0,
		execPath: process.execPath,
		cwd: process.cwd(),
		pathVariable: process.env['PATH'],
		sudo: process.getuid?.() === 0 && Boolean(process.env['SUDO_USER']),
	};
}

/** Which files the run worked on. */
export type RerunMode =
	| {readonly kind: 'host'; readonly settings?: string; readonly secrets?: string}
	| {readonly kind: 'compose'; readonly dir: string}
	| {readonly kind: 'helm'; readonly values: string}
	| {readonly kind: 'sandbox'; readonly dir: string; readonly docker?: boolean};

const quote = (text: string) => (/^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll('\'', '\'\\\'\'')}'`);

function onPath(name: string, file: string, pathVariable: string | undefined): boolean {
	for (const dir of (pathVariable ?? '').split(':')) {
		if (!dir) continue;
		const candidate = path.join(dir, name);
		try {
			accessSync(candidate, constants.X_OK);
			// The same file, or a link to it (npm's bin link).
			const a = statSync(candidate);
			const b = statSync(file);
			return a.ino === b.ino && a.dev === b.dev;
		} catch {
			continue;
		}
	}

	return false;
}

/** The program as the admin can type it again: its name when PATH finds this very file, else its path (relative under the working directory). */
export function programAsInvoked(invocation: Invocation = currentInvocation()): string {
	// A single executable runs as execPath and reports itself as the script too; argv0 is what was typed.
	const single = invocation.script === undefined || invocation.script === invocation.execPath;
	const file = single ? invocation.execPath : invocation.script!;
	const typed = single ? invocation.argv0 : file;
	const name = path.basename(typed);
	if (!typed.includes('/') || onPath(name, file, invocation.pathVariable)) return quote(name);
	const absolute = path.resolve(invocation.cwd, file);
	const relative = path.relative(invocation.cwd, absolute);
	return quote(relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? `./${relative}` : absolute);
}

/** The command that checks these files without changing anything. */
export function checkCommand(mode: RerunMode, invocation: Invocation = currentInvocation()): string {
	return `${rerunCommand(mode, invocation)} --check`;
}

/** The command that starts the wizard again on these files. */
export function rerunCommand(mode: RerunMode, invocation: Invocation = currentInvocation()): string {
	const program = `${invocation.sudo ? 'sudo ' : ''}${programAsInvoked(invocation)}`;
	const absolute = (file: string) => quote(path.resolve(invocation.cwd, file));
	switch (mode.kind) {
		case 'host': {
			const files = [mode.settings === undefined ? '' : ` --settings ${absolute(mode.settings)}`, mode.secrets === undefined ? '' : ` --secrets ${absolute(mode.secrets)}`].join('');
			return `${program}${files}`;
		}

		case 'compose': return `${program} --docker ${absolute(mode.dir)}`;
		case 'helm': return `${program} --helm-values ${absolute(mode.values)}`;
		case 'sandbox': return `${program} --sandbox${mode.docker ? ' --docker' : ''} --sandbox-dir ${absolute(mode.dir)}`;
		default: {
			const unhandled: never = mode;
			return unhandled;
		}
	}
}

/** Which files the flags name (the sandbox's directory is its own, made or given). */
export function rerunModeOf(flags: {readonly sandbox?: boolean; readonly docker?: string; readonly 'helm-values'?: string; readonly settings?: string; readonly secrets?: string}, sandboxDir?: string): RerunMode {
	if (flags.sandbox && sandboxDir !== undefined) return {kind: 'sandbox', dir: sandboxDir, docker: flags.docker !== undefined};
	if (flags.docker !== undefined && flags.docker !== '') return {kind: 'compose', dir: flags.docker};
	if (flags['helm-values'] !== undefined) return {kind: 'helm', values: flags['helm-values']};
	return {kind: 'host', settings: flags.settings, secrets: flags.secrets};
}
