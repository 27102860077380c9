/**
 * Does this settings.py compile? Python's own compile() is the judge: the
 * tokenizer alone lets `if True` without its colon, `EMAIL_HOST = = "a"` and
 * mixed tabs and spaces through, and Zulip would not start. compile() runs
 * none of the file's code; it still runs with the owner's rights, as
 * everything this tool hands python3 from that file does.
 */
import {pythonIdentity, runPython, type FileOwner} from './python-runner.js';
import {ConfigError} from '../engine/errors.js';

const SCRIPT = String.raw`
import base64, json, os, sys

with os.fdopen(3, "rb") as request_pipe:
    request = json.loads(request_pipe.read().decode("utf-8"))
results = []
for encoded in request["files"]:
    try:
        compile(base64.b64decode(encoded), "settings.py", "exec", dont_inherit=True)
        results.append(None)
    except SyntaxError as error:
        results.append({"line": error.lineno, "message": type(error).__name__ + ": " + str(error.msg)})
    except (ValueError, UnicodeError, RecursionError, MemoryError) as error:
        results.append({"line": None, "message": type(error).__name__ + ": " + str(error)})
sys.stdout.write(json.dumps(results))
`;

export interface CompileProblem {
	readonly line: number | null;
	/** Python's exception name and message, e.g. `SyntaxError: expected ':'`. */
	readonly message: string;
}

/** For each file's bytes: null when it compiles, else where and why not. One python3 process for all. */
export async function compileProblems(files: readonly Uint8Array[], options: {owner?: FileOwner; signal?: AbortSignal} = {}): Promise<Array<CompileProblem | null>> {
	const identity = pythonIdentity(options.owner);
	// A file nobody can vouch for is still compiled (compile() executes nothing), with our own rights.
	const runAs = identity.run ? identity : pythonIdentity(undefined);
	if (!runAs.run) throw new Error('unreachable: a file without an owner always runs');
	const request = JSON.stringify({files: files.map(bytes => Buffer.from(bytes).toString('base64'))});
	const result = await runPython({script: SCRIPT, request, identity: runAs, signal: options.signal});
	try {
		if (result.code !== 0) throw new Error(result.stderr);
		return JSON.parse(result.stdout) as Array<CompileProblem | null>;
	} catch {
		const lastLine = result.stderr.trim().split('\n').at(-1) ?? `exit code ${result.code}`;
		throw new ConfigError(`python3 could not check that settings.py compiles: ${lastLine}`, 'Check that python3 works on this machine, then run again.', 'settings-compile');
	}
}
