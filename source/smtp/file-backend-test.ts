import {runBounded} from '../engine/bounded-child.js';
import {environmentWithoutPassword} from '../engine/password-input.js';
import {randomInt} from 'node:crypto';
import type {Stats} from 'node:fs';
import {appendFile, chown, mkdir, readFile, stat} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {diagnose} from './diagnoses.js';
import {defaultEhloName} from './ehlo-name.js';
import {buildTestMessage, testSubject} from './message.js';
import type {Diagnosis, Sender, SenderResult, StepName, TestEvent, TestReport} from './types.js';

export interface FileBackendTestOptions {
	/** EMAIL_FILE_PATH. */
	filePath: string;
	senders: Sender[];
	/** The test mails' To; default the default sender's address. */
	to?: string;
	/** Write nothing outside this directory (the sandbox's): a path elsewhere fails the test untouched. */
	writableRoot?: string;
	/** Who must be able to write there; default 'zulip' (Zulip runs as it), or in a sandbox (writableRoot) whoever owns the sandbox. */
	zulipUser?: string;
	onEvent?: (event: TestEvent) => void;
	signal?: AbortSignal;
}

interface UnixUser {
	name: string;
	uid: number;
	gid: number;
	groups: number[];
}

async function fromPasswd(name: string): Promise<UnixUser | undefined> {
	try {
		const passwd = await readFile('/etc/passwd', 'utf8');
		const entry = passwd.split('\n').map(line => line.split(':')).find(fields => fields[0] === name);
		if (!entry) return undefined;
		const uid = Number(entry[2]);
		const gid = Number(entry[3]);
		const group = await readFile('/etc/group', 'utf8').catch(() => '');
		const groups = group.split('\n').map(line => line.split(':')).filter(fields => (fields[3] ?? '').split(',').includes(name)).map(fields => Number(fields[2]));
		return {name, uid, gid, groups: [gid, ...groups]};
	} catch {
		return undefined;
	}
}

const ID_TIMEOUT_MS = 10_000;

async function fromId(name: string): Promise<UnixUser | undefined> {
	// Users from LDAP/NSS are not in /etc/passwd; id(1) asks NSS.
	// A directory service that never answers must not hold the test: a deadline, as for every child.
	const run = async (flag: string) => {
		const result = await runBounded({file: 'id', args: [flag, name], env: environmentWithoutPassword(), timeoutMs: ID_TIMEOUT_MS});
		if (result.outcome !== 'exited' || result.code !== 0) throw new Error(`id ${flag} ${name}: ${result.outcome}`);
		return result.stdout.trim();
	};

	try {
		const [uid, gid, groups] = await Promise.all([run('-u'), run('-g'), run('-G')]);
		return {name, uid: Number(uid), gid: Number(gid), groups: groups.split(/\s+/).map(Number)};
	} catch {
		return undefined;
	}
}

/** The user Zulip runs as, or the current user on a machine without one. */
async function resolveUser(name: string): Promise<{user: UnixUser; exists: boolean}> {
	const user = (await fromPasswd(name)) ?? (await fromId(name));
	if (user) return {user, exists: true};
	const current = {name: os.userInfo().username, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, groups: process.getgroups?.() ?? []};
	return {user: current, exists: false};
}

/**
 * The sandbox's "zulip user": whoever owns the sandbox directory (the sandbox
 * has no Zulip; its files are its owner's), never the system's zulip user.
 */
async function sandboxOwner(root: string): Promise<UnixUser> {
	const {uid} = await stat(root);
	if (uid === (process.getuid?.() ?? -1)) return {name: os.userInfo().username, uid, gid: process.getgid?.() ?? 0, groups: process.getgroups?.() ?? []};
	const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
	const name = passwd.split('\n').map(line => line.split(':')).find(fields => fields[2] === String(uid))?.[0];
	return (name ? await fromPasswd(name) : undefined) ?? {name: `uid ${uid}`, uid, gid: 65_534, groups: []};
}

/** Permission bits as the kernel applies them (ACLs aside): owner, then group, then others. */
function allows(stats: Stats, user: UnixUser, need: {write: boolean}): boolean {
	if (user.uid === 0) return true;
	const shift = stats.uid === user.uid ? 6 : user.groups.includes(stats.gid) ? 3 : 0;
	const bits = (stats.mode >> shift) & 0o7;
	return (bits & 0o1) !== 0 && (!need.write || (bits & 0o2) !== 0);
}

async function statOrUndefined(target: string): Promise<Stats | undefined> {
	try {
		return await stat(target);
	} catch {
		return undefined;
	}
}

interface Blocked {
	readonly problem: string;
	/** The fix when the path that blocks is not EMAIL_FILE_PATH itself. */
	readonly fix?: string;
}

const octal = (stats: Stats) => (stats.mode & 0o7777).toString(8).padStart(4, '0');

/** Why `user` cannot use `directory` as Django's file backend does (makedirs, then write), or undefined. */
async function whyNotWritable(directory: string, user: UnixUser): Promise<Blocked | undefined> {
	const absolute = path.resolve(directory);
	let existing = absolute;
	let stats = await statOrUndefined(existing);
	while (!stats && path.dirname(existing) !== existing) {
		existing = path.dirname(existing);
		stats = await statOrUndefined(existing);
	}

	if (!stats) return {problem: `${absolute} cannot be examined.`};
	if (!stats.isDirectory()) return {problem: existing === absolute ? `${absolute} exists but is not a directory.` : `${existing} is not a directory.`};
	// Every directory above must be searchable to reach it: the first that is not is what blocks, and the fix names it.
	const parents: string[] = [];
	for (let parent = path.dirname(existing); ; parent = path.dirname(parent)) {
		parents.unshift(parent);
		if (path.dirname(parent) === parent) break;
	}

	for (const parent of parents) {
		const parentStats = await statOrUndefined(parent);
		if (parentStats && !allows(parentStats, user, {write: false})) {
			return {
				problem: `${user.name} cannot enter ${parent} (owned by uid ${parentStats.uid}, gid ${parentStats.gid}, mode ${octal(parentStats)}), so it cannot reach ${absolute}.`,
				fix: `Let ${user.name} pass through ${parent} (\`chmod o+x ${parent}\`, or give it to ${user.name}), or choose a directory ${user.name} can reach (\`--file-path DIR\`).`,
			};
		}
	}

	if (!allows(stats, user, {write: true})) {
		const owner = `owned by uid ${stats.uid}, gid ${stats.gid}, mode ${octal(stats)}`;
		if (existing === absolute) return {problem: `${absolute} is ${owner}.`};
		// Creating it for the user helps only if the user can also enter the directory it is created in.
		const enter = allows(stats, user, {write: false}) ? '' : `\`chmod o+x ${existing}\` (${user.name} cannot enter it), then `;
		return {
			problem: `${absolute} does not exist and ${user.name} cannot create it in ${existing} (${owner}).`,
			...(enter ? {fix: `Run ${enter}\`install -d -o ${user.name} -g ${user.name} ${absolute}\`, or choose another directory (\`--file-path DIR\`).`} : {}),
		};
	}

	return undefined;
}

/** Whether `target` is `root` or inside it, by path (the sandbox's own directory has no symlinks of ours). */
function isBelow(root: string, target: string): boolean {
	const rest = path.relative(path.resolve(root), path.resolve(target));
	return rest === '' || (!rest.startsWith('..') && !path.isAbsolute(rest));
}

/** Django's filebased backend names each connection's file "%Y%m%d-%H%M%S-<id(self)>.log". */
function logFileName(now: Date): string {
	const pad = (value: number) => String(value).padStart(2, '0');
	// Zulip runs with TIME_ZONE = "UTC", and Django exports it as the process's TZ.
	const stamp = `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}-${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`;
	// id(self) is a memory address, some 15 digits; randomInt's range tops out at 2^48.
	return `${stamp}-${randomInt(100_000_000_000_000, 100_000_000_000_000 + 2 ** 48 - 1)}.log`;
}

/**
 * The file backend's test: EMAIL_FILE_PATH must be a directory the zulip
 * user can write (or create); then the two test mails are written there the
 * way Django's filebased backend writes them.
 */
export async function runFileBackendTest(options: FileBackendTestOptions): Promise<TestReport> {
	const started = performance.now();
	const {filePath, senders, onEvent, signal} = options;
	const results: SenderResult[] = senders.map(sender => ({address: sender.address, role: sender.role, ok: false}));
	const context = {host: filePath, port: 0, security: 'none' as const, user: '', timeoutMs: 0, filePath};
	const finish = (diagnosis?: Diagnosis): TestReport => ({ok: !diagnosis && results.every(result => result.ok), ...(diagnosis ? {diagnosis} : {}), senders: results, durationMs: performance.now() - started});
	/** Run one step with its events; `run` resolves to whether it went well. */
	const step = async (name: StepName, label: string, sender: Sender | undefined, run: () => Promise<boolean>): Promise<void> => {
		const begun = performance.now();
		const event = (status: TestEvent['status']) => onEvent?.({step: name, status, label, elapsedMs: status === 'start' ? 0 : performance.now() - begun, ...(sender ? {sender} : {})});
		event('start');
		try {
			event((await run()) ? 'ok' : 'fail');
		} catch (error) {
			event('fail');
			throw error;
		}
	};

	if (signal?.aborted) return finish(diagnose('cancelled', context));
	const {user, exists} = options.writableRoot !== undefined && options.zulipUser === undefined
		? {user: await sandboxOwner(options.writableRoot), exists: false}
		: await resolveUser(options.zulipUser ?? 'zulip');
	let fileContext: typeof context & {fileUser: string; fileFix?: string} = {...context, fileUser: user.name};
	let problem: string | undefined;
	await step('file', `check ${filePath}`, undefined, async () => {
		if (options.writableRoot !== undefined && !isBelow(options.writableRoot, filePath)) {
			problem = `${path.resolve(filePath)} is outside the sandbox ${path.resolve(options.writableRoot)}, which writes nowhere else; choose a directory inside it, e.g. ${path.join(path.resolve(options.writableRoot), 'emails')}.`;
		} else {
			const blocked = filePath ? await whyNotWritable(filePath, user) : {problem: 'EMAIL_FILE_PATH is not set.'};
			problem = blocked?.problem;
			if (blocked?.fix) fileContext = {...fileContext, fileFix: blocked.fix};
		}

		return !problem;
	});
	if (problem) return finish(diagnose('file-backend-not-writable', fileContext, problem));

	const isRoot = process.getuid?.() === 0;
	const giveToZulip = async (target: string) => {
		// Written as root, the files must still belong to the user Zulip runs as.
		if (isRoot && exists && user.uid !== 0) await chown(target, user.uid, user.gid);
	};

	try {
		const created = await mkdir(filePath, {recursive: true});
		if (created) {
			for (let directory = path.resolve(filePath); ; directory = path.dirname(directory)) {
				await giveToZulip(directory);
				if (directory === path.resolve(created)) break;
			}
		}
	} catch (error) {
		return finish(diagnose('file-backend-not-writable', fileContext, (error as Error).message));
	}

	const recipient = options.to ?? senders.find(sender => sender.role === 'default')?.address ?? senders[0]?.address ?? '';
	const domain = await defaultEhloName();
	for (const [index, sender] of senders.entries()) {
		if (signal?.aborted) return finish(diagnose('cancelled', context));
		const subject = testSubject(sender, senders);
		try {
			await step('send', `"${subject}" from ${sender.address} → ${filePath}`, sender, async () => {
				const message = buildTestMessage({from: sender.fromHeader ?? sender.address, to: recipient, subject, domain, lineEnding: '\n'});
				const file = path.join(filePath, logFileName(new Date()));
				// Django: message.as_bytes() + "\n", then 79 dashes and a newline.
				await appendFile(file, `${message}\n${'-'.repeat(79)}\n`);
				await giveToZulip(file);
				return true;
			});
			results[index] = {address: sender.address, role: sender.role, ok: true, sent: true};
		} catch (error) {
			results[index] = {address: sender.address, role: sender.role, ok: false, sent: false, diagnosis: diagnose('file-backend-not-writable', fileContext, (error as Error).message)};
		}
	}

	return finish();
}
