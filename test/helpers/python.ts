/**
 * python3 as the judge of what Zulip will read.
 *
 * Every helper runs ONE python3 process, however many cases it is given: use
 * the `…Many` variants to check hundreds of cases in a few hundred
 * milliseconds.
 *
 *   pyCompile(text)                      resolves if `python3 -m py_compile` accepts the file; rejects with its error
 *   pyCompileMany(texts)                 → per text: null (compiles) or the error message
 *   pyExecSettings(text, names)          runs the file as Zulip imports settings.py; → {name: value} for the names it sets
 *   pyExecSettingsMany(cases)            the same for many files; rejects on the first file that fails, naming its index
 *   pyRawConfigRead(text, section, key)  what configparser.RawConfigParser() (default options) reads; null if absent;
 *                                        rejects with "ExceptionType: message" when the file does not parse
 *   pyRawConfigReadMany(cases)           → per case: {value} or {error: "ExceptionType: message"}
 *
 * Values from pyExecSettings*: str, int, bool and None come back as JSON
 * values (None → null); anything else as {repr: "..."}; a name the file never
 * sets is absent from the record.
 *
 * The file is executed as the module `zproject.prod_settings` (so
 * `from .config import get_secret` works), and modules that are not installed
 * here (`ldap`, `django_auth_ldap.config`, Zulip's own) are stand-ins whose
 * every attribute and call result is another stand-in.
 *
 * RawConfigParser reads the text the way Zulip's `read(path)` does: through a
 * text stream with universal newlines (so CRLF files behave as on a server).
 */
import {spawn} from 'node:child_process';

const SCRIPT = String.raw`
import configparser, importlib.abc, importlib.machinery, io, json, os, py_compile, shutil, sys, tempfile, types

request = json.loads(sys.stdin.buffer.read().decode("utf-8"))

class StandIn:
    def __init__(self, name): object.__setattr__(self, "name", name)
    def __getattr__(self, attr):
        if attr.startswith("__"): raise AttributeError(attr)
        return StandIn(self.name + "." + attr)
    def __call__(self, *args, **kwargs): return StandIn(self.name + "()")
    def __getitem__(self, key): return StandIn(self.name + "[]")
    def __or__(self, other): return self
    __ror__ = __add__ = __radd__ = __or__
    def __repr__(self): return "<" + self.name + ">"

class StandInModule(types.ModuleType):
    def __getattr__(self, attr):
        if attr.startswith("__"): raise AttributeError(attr)
        return StandIn(self.__name__ + "." + attr)

class Loader(importlib.abc.Loader):
    def create_module(self, spec):
        module = StandInModule(spec.name)
        module.__path__ = []
        return module
    def exec_module(self, module): pass

class Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        return importlib.machinery.ModuleSpec(fullname, Loader(), is_package=True)

def encode(value):
    if value is None or isinstance(value, (bool, int, str)): return value
    return {"repr": repr(value)}

def describe(error):
    return type(error).__name__ + ": " + str(error)

def compile_all(texts):
    folder = tempfile.mkdtemp()
    try:
        results = []
        for index, text in enumerate(texts):
            path = os.path.join(folder, "settings%d.py" % index)
            try:
                with open(path, "wb") as file: file.write(text.encode("utf-8"))
                py_compile.compile(path, cfile=path + "c", doraise=True)
                results.append(None)
            except py_compile.PyCompileError as error:
                line = getattr(error.exc_value, "lineno", None)
                results.append(error.msg.strip().splitlines()[-1] + (" (line %s)" % line if line else ""))
            except Exception as error:
                results.append(describe(error))
        return results
    finally:
        shutil.rmtree(folder)

def exec_all(cases):
    sys.meta_path.append(Finder())
    stdout, sys.stdout = sys.stdout, sys.stderr
    results = []
    for case in cases:
        module = types.ModuleType("zproject.prod_settings")
        module.__file__ = "/etc/zulip/settings.py"
        module.__package__ = "zproject"
        try:
            exec(compile(case["text"].encode("utf-8"), "/etc/zulip/settings.py", "exec", dont_inherit=True), module.__dict__)
            results.append({"values": {name: encode(module.__dict__[name]) for name in case["names"] if name in module.__dict__}})
        except BaseException as error:
            results.append({"error": describe(error)})
    sys.stdout = stdout
    return results

def rawconfig_all(cases):
    results = []
    for case in cases:
        parser = configparser.RawConfigParser()
        try:
            parser.read_file(io.StringIO(case["text"], newline=None))
        except Exception as error:
            results.append({"error": describe(error)})
            continue
        has = parser.has_option(case["section"], case["key"])
        results.append({"value": parser.get(case["section"], case["key"]) if has else None})
    return results

operations = {"compile": compile_all, "exec": exec_all, "rawconfig": rawconfig_all}
sys.stdout.write(json.dumps(operations[request["op"]](request["cases"])))
`;

async function runPython<T>(op: 'compile' | 'exec' | 'rawconfig', cases: readonly unknown[]): Promise<T[]> {
	return new Promise((resolve, reject) => {
		const child = spawn('python3', ['-I', '-c', SCRIPT], {stdio: ['pipe', 'pipe', 'pipe']});
		const stdout: Buffer[] = [];
		const stderr: Buffer[] = [];
		child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
		child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
		child.on('error', reject);
		child.on('close', code => {
			const output = Buffer.concat(stdout).toString('utf8');
			if (code !== 0) {
				reject(new Error(`python3 judge failed (exit ${code}): ${Buffer.concat(stderr).toString('utf8')}`));
				return;
			}

			resolve(JSON.parse(output) as T[]);
		});
		child.stdin.end(JSON.stringify({op, cases}));
	});
}

/** Resolves if `python3 -m py_compile` accepts the text as a file; rejects with Python's error line. */
export async function pyCompile(text: string): Promise<void> {
	const [error] = await pyCompileMany([text]);
	if (error) throw new Error(error);
}

/** Per text: null if it compiles, else Python's error line. One python3 process. */
export async function pyCompileMany(texts: readonly string[]): Promise<Array<string | null>> {
	return runPython<string | null>('compile', texts);
}

/** Run the text as Zulip imports settings.py; the values of those `names` it sets. Rejects with "ExceptionType: message". */
export async function pyExecSettings(text: string, names: readonly string[]): Promise<Record<string, unknown>> {
	const [result] = await pyExecSettingsMany([{text, names}]);
	return result!;
}

/** pyExecSettings for many files in one python3 process; rejects on the first that fails. */
export async function pyExecSettingsMany(cases: ReadonlyArray<{readonly text: string; readonly names: readonly string[]}>): Promise<Array<Record<string, unknown>>> {
	const results = await runPython<{values?: Record<string, unknown>; error?: string}>('exec', cases);
	return results.map((result, index) => {
		if (result.error !== undefined) throw new Error(`case ${index}: ${result.error}`);
		return result.values!;
	});
}

/** What RawConfigParser() reads for [section] key; null if the section or key is missing; rejects with "ExceptionType: message" if the file does not parse. */
export async function pyRawConfigRead(text: string, section: string, key: string): Promise<string | null> {
	const [result] = await pyRawConfigReadMany([{text, section, key}]);
	if ('error' in result!) throw new Error(result.error);
	return result!.value;
}

/** pyRawConfigRead for many cases in one python3 process; a parse failure is {error} for that case only. */
export async function pyRawConfigReadMany(
	cases: ReadonlyArray<{readonly text: string; readonly section: string; readonly key: string}>,
): Promise<Array<{value: string | null} | {error: string}>> {
	return runPython<{value: string | null} | {error: string}>('rawconfig', cases);
}
