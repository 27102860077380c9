/**
 * The one way this tool runs another program (python3 over settings.py,
 * manage.py send_test_email, the restart command): with a deadline that the
 * program cannot escape, and with output kept to a bounded size.
 *
 * - The verdict comes from the program's exit (or the deadline, or the
 *   caller's signal), never from its pipes closing: a daemon it leaves behind
 *   holding stdout does not hold the run.
 * - When the program exits or its time is up, everything it started dies with
 *   it. A process group is not enough (setsid() leaves it, and a double fork
 *   hands the grandchild to init), so the program runs under a small python3
 *   keeper that is a child subreaper (prctl PR_SET_CHILD_SUBREAPER): every
 *   process the program starts, even one that double-forks and calls
 *   setsid(), stays a descendant of the keeper, and this module kills every
 *   descendant it finds in /proc before it kills the keeper. Without python3
 *   (or ctypes), the program runs directly and its session, group and /proc
 *   descendants are killed.
 * - Each output stream keeps its first OUTPUT_LIMIT bytes, then
 *   `…output cut`; the rest is read and dropped, so memory stays bounded
 *   whatever the program writes. Lines for streaming are cut at LINE_LIMIT.
 */
import type {ChildProcess} from 'node:child_process';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {StringDecoder} from 'node:string_decoder';

/** What each stream keeps. 1 MiB is thousands of lines: any real error is in there. */
export const OUTPUT_LIMIT = 1024 * 1024;
/** A line longer than this (a flood with no newline) is shown cut. */
export const LINE_LIMIT = 64 * 1024;
export const OUTPUT_CUT = '…output cut';
export const LINE_CUT = '…line cut';
/** After the tree is killed, how long its pipes may take to report closed before they are closed from this side. */
const DRAIN_MS = 2000;

export interface BoundedChildOptions {
	readonly file: string;
	readonly args: readonly string[];
	readonly cwd?: string;
	/** The child's whole environment. */
	readonly env: NodeJS.ProcessEnv;
	readonly uid?: number;
	readonly gid?: number;
	/** Written to the child's fd 3 (a pipe), then closed. */
	readonly request?: string;
	readonly timeoutMs: number;
	readonly signal?: AbortSignal;
	/** Bytes kept per stream; OUTPUT_LIMIT by default. */
	readonly outputLimit?: number;
	/** Every complete line of either stream (cut at LINE_LIMIT), as it arrives; `\r\n` ends a line too. */
	readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface BoundedChildResult {
	/** exited: it ended by itself; timeout: its deadline; cancelled: the signal; not-started: it could not be run (error says why). */
	readonly outcome: 'exited' | 'timeout' | 'cancelled' | 'not-started';
	/** Its exit code; null when a signal ended it or it never ran. */
	readonly code: number | null;
	readonly stdout: string;
	readonly stderr: string;
	/** Whether either stream went past the limit (its text then ends with OUTPUT_CUT). */
	readonly cut: boolean;
	readonly error?: NodeJS.ErrnoException;
}

/**
 * The keeper: becomes a child subreaper, runs argv with fds 0-2 and the
 * listed ones, reports "exit CODE" (negative: a signal) or "error ERRNO" on
 * its status fd, then reaps whatever is left until it is killed. Should the
 * parent die first, it kills everything below itself.
 */
const KEEPER = String.raw`
import os, signal, subprocess, sys
status = int(sys.argv[1])
passed = tuple(int(fd) for fd in sys.argv[2].split(',') if fd)
argv = sys.argv[3:]
def descendants():
    children = {}
    for name in os.listdir('/proc'):
        if not name.isdigit(): continue
        try:
            with open('/proc/%s/stat' % name, 'rb') as f: fields = f.read().rsplit(b')', 1)[1].split()
        except OSError: continue
        if fields[0] != b'Z': children.setdefault(int(fields[1]), []).append(int(name))
    found, todo = [], [os.getpid()]
    while todo:
        for pid in children.get(todo.pop(), []): found.append(pid); todo.append(pid)
    return found
def kill_all(*_):
    for _ in range(100):
        found = descendants()
        if not found: break
        for pid in found:
            try: os.kill(pid, signal.SIGKILL)
            except OSError: pass
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0: break
            except ChildProcessError: break
    os._exit(137)
parent = os.getppid()
try:
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)
    signal.signal(signal.SIGTERM, kill_all)
    libc.prctl(1, signal.SIGTERM, 0, 0, 0)
except Exception:
    pass
if os.getppid() != parent: kill_all()
try:
    child = subprocess.Popen(argv, pass_fds=passed)
except OSError as error:
    os.write(status, b'error %d\n' % (error.errno or 0))
    sys.exit(127)
for fd in passed: os.close(fd)
code = os.waitstatus_to_exitcode(os.waitpid(child.pid, 0)[1])
os.write(status, b'exit %d\n' % code)
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGCHLD])
while True:
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0: break
        except ChildProcessError: break
    signal.sigtimedwait([signal.SIGCHLD], 1)
`;

/** One process's parent, session, group and whether it is a zombie, from /proc/PID/stat. */
function processTable(): Array<{pid: number; ppid: number; pgid: number; sid: number; zombie: boolean}> {
	const table = [];
	let names: string[] = [];
	try {
		names = readdirSync('/proc');
	} catch {
		return [];
	}

	for (const name of names) {
		if (!/^\d+$/.test(name)) continue;
		let stat = '';
		try {
			stat = readFileSync(`/proc/${name}/stat`, 'latin1');
		} catch {
			continue;
		}

		// The command name may hold spaces and parentheses: the fields start after the last ')'.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		table.push({pid: Number(name), ppid: Number(fields[1]), pgid: Number(fields[2]), sid: Number(fields[3]), zombie: fields[0] === 'Z'});
	}

	return table;
}

/**
 * Every live process below `root` in /proc, or in its process group or
 * session (root's own id: it was started with setsid), and below those.
 * Once root has been reaped its pid may belong to someone else: then only
 * its group and session count (their id stays taken while a member lives).
 */
export function treeOf(root: number, rootReaped = false): number[] {
	const table = processTable();
	const children = new Map<number, number[]>();
	for (const entry of table) children.set(entry.ppid, [...children.get(entry.ppid) ?? [], entry.pid]);
	const found = new Set<number>();
	const members = table.filter(entry => entry.pid !== root && (entry.pgid === root || entry.sid === root)).map(entry => entry.pid);
	const todo = rootReaped ? members : [root, ...members];
	for (const pid of todo) if (pid !== root) found.add(pid);
	while (todo.length > 0) {
		for (const child of children.get(todo.pop()!) ?? []) {
			if (found.has(child)) continue;
			found.add(child);
			todo.push(child);
		}
	}

	const zombies = new Set(table.filter(entry => entry.zombie).map(entry => entry.pid));
	return [...found].filter(pid => !zombies.has(pid));
}

/** How long killTree waits for killed processes to be gone before it lets go (a loaded machine schedules them late). */
const KILL_WAIT_MS = 5000;

/**
 * Kill everything below `root`, again while new processes turn up or killed
 * ones have not died yet, then root and its group. Resolves once none is
 * left alive (or after KILL_WAIT_MS: a process it may not kill).
 */
export async function killTree(root: number, rootReaped = false): Promise<void> {
	const started = Date.now();
	for (let round = 0; Date.now() - started < KILL_WAIT_MS; round++) {
		const found = treeOf(root, rootReaped);
		if (found.length === 0) break;
		for (const pid of found) {
			try {
				process.kill(pid, 'SIGKILL');
			} catch {
				// Gone already, or not ours to kill.
			}
		}

		// A killed process dies when it is next scheduled: at once on a quiet machine, later on a busy one.
		await new Promise(resolve => (round < 5 ? setImmediate(resolve) : setTimeout(resolve, 10)));
	}

	for (const target of rootReaped ? [-root] : [-root, root]) {
		try {
			process.kill(target, 'SIGKILL');
		} catch {
			// Gone already.
		}
	}
}

/** The first `limit` bytes of a stream, and whether there was more. */
class Capture {
	private readonly chunks: Buffer[] = [];
	private size = 0;
	cut = false;

	constructor(private readonly limit: number) {}

	push(chunk: Buffer): void {
		if (this.size >= this.limit) {
			this.cut ||= chunk.length > 0;
			return;
		}

		const kept = chunk.length > this.limit - this.size ? chunk.subarray(0, this.limit - this.size) : chunk;
		if (kept !== chunk) this.cut = true;
		this.chunks.push(kept);
		this.size += kept.length;
	}

	text(): string {
		const text = Buffer.concat(this.chunks).toString('utf8');
		return this.cut ? `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}${OUTPUT_CUT}` : text;
	}
}

/**
 * Lines out of a stream in linear time: only the new chunk is searched for
 * line ends, and a line is kept only up to LINE_LIMIT.
 */
export class LineSplitter {
	private readonly decoder = new StringDecoder('utf8');
	private pending: string[] = [];
	private pendingLength = 0;
	private lineCut = false;

	constructor(private readonly onLine: (line: string) => void, private readonly limit = LINE_LIMIT) {}

	push(chunk: Buffer): void {
		const pieces = this.decoder.write(chunk).split('\n');
		for (let index = 0; index < pieces.length; index++) {
			this.add(pieces[index]!);
			if (index < pieces.length - 1) this.emit();
		}
	}

	end(): void {
		this.add(this.decoder.end());
		if (this.pendingLength > 0 || this.lineCut) this.emit();
	}

	private add(piece: string): void {
		if (piece === '') return;
		const room = this.limit - this.pendingLength;
		if (room <= 0) {
			this.lineCut = true;
			return;
		}

		const kept = piece.length > room ? piece.slice(0, room) : piece;
		if (kept !== piece) this.lineCut = true;
		this.pending.push(kept);
		this.pendingLength += kept.length;
	}

	private emit(): void {
		let line = this.pending.join('');
		if (line.endsWith('\r')) line = line.slice(0, -1);
		if (this.lineCut) line = `${line}${LINE_CUT}`;
		this.pending = [];
		this.pendingLength = 0;
		this.lineCut = false;
		this.onLine(line);
	}
}

/** Run a program under the rules above; resolves (never rejects) with how it ended. */
export async function runBounded(options: BoundedChildOptions): Promise<BoundedChildResult> {
	if (options.signal?.aborted) return {outcome: 'cancelled', code: null, stdout: '', stderr: '', cut: false};
	// A missing working directory fails a spawn with ENOENT too: it must not read as "no python3 for the keeper".
	if (options.cwd !== undefined && !existsSync(options.cwd)) {
		const error: NodeJS.ErrnoException = new Error(`${options.cwd} does not exist`);
		error.code = 'ENOENT';
		return {outcome: 'not-started', code: null, stdout: '', stderr: '', cut: false, error};
	}

	// execa (loaded only when a program is run): Node's spawn underneath, with its argument and error handling.
	const {execa} = await import('execa');
	const result = await attempt(execa, options, true);
	return result === 'no-keeper' ? attempt(execa, options, false) as Promise<BoundedChildResult> : result;
}

function attempt(execa: typeof import('execa').execa, options: BoundedChildOptions, keeper: boolean): Promise<BoundedChildResult | 'no-keeper'> {
	const hasRequest = options.request !== undefined;
	const statusFd = hasRequest ? 4 : 3;
	const stdio = ['ignore', 'pipe', 'pipe', ...(hasRequest ? ['pipe' as const] : []), ...(keeper ? ['pipe' as const] : [])] as ['ignore', 'pipe', 'pipe', ...Array<'pipe'>];
	const [file, args] = keeper
		? ['python3', ['-I', '-S', '-c', KEEPER, String(statusFd), hasRequest ? '3' : '', options.file, ...options.args]]
		: [options.file, [...options.args]];
	return new Promise(resolve => {
		let child: ChildProcess;
		try {
			const subprocess = execa(file, args, {
				stdio,
				// The child's whole environment: nothing of ours (no password) is added to it.
				env: options.env,
				extendEnv: false,
				cwd: options.cwd,
				uid: options.uid,
				gid: options.gid,
				// setsid(): its own session and process group.
				detached: true,
				// This module reads the streams itself, bounded; execa keeps nothing and never rejects.
				buffer: false,
				reject: false,
			});
			subprocess.catch(() => undefined);
			child = subprocess as unknown as ChildProcess;
		} catch (error) {
			resolve({outcome: 'not-started', code: null, stdout: '', stderr: '', cut: false, error: error as NodeJS.ErrnoException});
			return;
		}

		const limit = options.outputLimit ?? OUTPUT_LIMIT;
		const captures = {stdout: new Capture(limit), stderr: new Capture(limit)};
		const splitters = options.onLine
			? {stdout: new LineSplitter(line => options.onLine!(line, 'stdout')), stderr: new LineSplitter(line => options.onLine!(line, 'stderr'))}
			: undefined;
		let verdict: {outcome: BoundedChildResult['outcome']; code: number | null; error?: NodeJS.ErrnoException} | undefined;
		let finished = false;
		const open = new Set<'stdout' | 'stderr'>(['stdout', 'stderr']);
		let exited = false;
		let drainTimer: NodeJS.Timeout | undefined;

		const complete = () => {
			if (finished || !verdict || !exited || open.size > 0) return;
			finished = true;
			clearTimeout(drainTimer);
			if (splitters) {
				splitters.stdout.end();
				splitters.stderr.end();
			}

			resolve({...verdict, stdout: captures.stdout.text(), stderr: captures.stderr.text(), cut: captures.stdout.cut || captures.stderr.cut});
		};

		/** The verdict is in: stop the clock, kill everything left, and give the pipes a moment to drain. */
		const decide = (decided: NonNullable<typeof verdict>, rootReaped = false) => {
			// Not started at all: the error event tells.
			if (verdict || child.pid === undefined) return;
			verdict = decided;
			clearTimeout(timer);
			options.signal?.removeEventListener('abort', onAbort);
			void killTree(child.pid, rootReaped || exited).then(() => {
				drainTimer = setTimeout(() => {
					// Something we could not kill still holds a pipe: stop listening to it.
					for (const name of open) child[name]?.destroy();
					open.clear();
					exited = true;
					complete();
				}, DRAIN_MS);
				complete();
			});
		};

		const timer = setTimeout(() => decide({outcome: 'timeout', code: null}), options.timeoutMs);
		const onAbort = () => decide({outcome: 'cancelled', code: null});
		options.signal?.addEventListener('abort', onAbort, {once: true});

		for (const name of ['stdout', 'stderr'] as const) {
			const stream = child[name]!;
			stream.on('data', (chunk: Buffer) => {
				captures[name].push(chunk);
				splitters?.[name].push(chunk);
			});
			stream.on('close', () => {
				open.delete(name);
				complete();
			});
		}

		if (hasRequest) {
			const requestPipe = child.stdio[3] as NodeJS.WritableStream;
			requestPipe.on('error', () => {
				// The program exited before reading everything: its exit says why.
			});
			requestPipe.end(options.request);
		}

		if (keeper) {
			const status = child.stdio[statusFd] as NodeJS.ReadableStream;
			let said = '';
			status.setEncoding('utf8');
			status.on('data', (text: string) => {
				said += text;
				const line = /^(exit|error) (-?\d+)\n/.exec(said);
				if (!line) return;
				const value = Number(line[2]);
				if (line[1] === 'exit') decide({outcome: 'exited', code: value < 0 ? null : value});
				else {
					const error: NodeJS.ErrnoException = new Error(`${options.file} could not be started (errno ${value})`);
					error.code = value === 2 ? 'ENOENT' : value === 13 ? 'EACCES' : `errno ${value}`;
					error.errno = value;
					decide({outcome: 'not-started', code: null, error});
				}
			});
			status.on('error', () => {
				// The keeper was killed: its pipe closes next.
			});
			// The keeper gone without a word (killed from outside): the program's fate is unknown, the run is over.
			status.on('close', () => decide({outcome: 'exited', code: null}, exited));
		}

		child.on('error', error => {
			clearTimeout(timer);
			options.signal?.removeEventListener('abort', onAbort);
			if (keeper && (error as NodeJS.ErrnoException).code === 'ENOENT' && !verdict) {
				finished = true;
				resolve('no-keeper');
				return;
			}

			if (!verdict) verdict = {outcome: 'not-started', code: null, error: error as NodeJS.ErrnoException};
			exited = true;
			open.clear();
			complete();
		});

		child.on('exit', (code, signal) => {
			// Without the keeper the program's own exit is the verdict; the keeper's word comes on its status pipe.
			exited = true;
			if (!keeper) decide({outcome: 'exited', code: signal ? null : code}, true);
			complete();
		});
	});
}
