import {ConfigError} from '../engine/errors.js';
import {identityOrThrow, runPython, type FileOwner} from './python-runner.js';

/**
 * Runs settings.py as the module `zproject.prod_settings`, the way Zulip
 * imports it. Zulip's venv is not on python3's path, so every module that
 * fails to import normally (`.config`, `ldap`, `django_auth_ldap.config`, …)
 * is replaced by a stand-in whose attributes are further stand-ins;
 * `.config`'s get_secret answers from the secrets it is handed (as Zulip's
 * reads zulip-secrets.conf: keys case-insensitive, development_only ones
 * never in production) and get_config returns its default. Output goes to
 * stderr so that stdout carries only the JSON answer. The request comes on
 * fd 3 (stdin is closed: the file's code gets nothing to read).
 */
const SCRIPT = String.raw`
import importlib.abc, importlib.machinery, json, os, sys, traceback, types

with os.fdopen(3, "rb") as request_pipe:
    request = json.loads(request_pipe.read().decode("utf-8"))
FILENAME = "/etc/zulip/settings.py"

class StandIn:
    def __init__(self, name):
        object.__setattr__(self, "_name", name)
    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return StandIn(self._name + "." + attr)
    def __call__(self, *args, **kwargs):
        return StandIn(self._name + "()")
    def __getitem__(self, key):
        return StandIn(self._name + "[]")
    def __or__(self, other):
        return self
    __ror__ = __and__ = __rand__ = __add__ = __radd__ = __or__
    def __repr__(self):
        return "<" + self._name + ">"

class StandInModule(types.ModuleType):
    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return StandIn(self.__name__ + "." + attr)

SECRETS = request.get("secrets", {})

def get_secret(key, default_value=None, development_only=False):
    if development_only:
        return default_value
    return SECRETS.get(str(key).lower(), default_value)

def get_config(section, key, default_value=None):
    return default_value

def get_from_file_if_exists(path):
    return ""

class Loader(importlib.abc.Loader):
    def create_module(self, spec):
        module = StandInModule(spec.name)
        module.__path__ = []
        return module
    def exec_module(self, module):
        if module.__name__.endswith(".config") and module.__name__.startswith("zproject"):
            module.get_secret = get_secret
            module.get_config = get_config
            module.get_from_file_if_exists = get_from_file_if_exists

class Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        return importlib.machinery.ModuleSpec(fullname, Loader(), is_package=True)

# Last on the path: only modules that are not really installed get stand-ins.
sys.meta_path.append(Finder())

def encode(value):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    return {"repr": repr(value)}

real_stdout = sys.stdout
sys.stdout = sys.stderr
module = types.ModuleType("zproject.prod_settings")
module.__file__ = FILENAME
module.__package__ = "zproject"
namespace = module.__dict__
try:
    code = compile(request["text"].encode("utf-8"), FILENAME, "exec", dont_inherit=True)
    exec(code, namespace)
except BaseException as error:
    line = error.lineno if isinstance(error, SyntaxError) else None
    if line is None:
        for frame, frame_line in traceback.walk_tb(error.__traceback__):
            if frame.f_code.co_filename == FILENAME:
                line = frame_line
    message = traceback.format_exception_only(type(error), error)[-1].strip()
    real_stdout.write(json.dumps({"error": message, "line": line}))
    sys.exit(0)

real_stdout.write(json.dumps({"values": {name: encode(namespace[name]) for name in request["names"] if name in namespace}}))
`;

interface EvalAnswer {
	readonly values?: Record<string, unknown>;
	readonly error?: string;
	readonly line?: number | null;
}

/**
 * Execute settings.py text with python3 (as Zulip would import it) in a
 * subprocess and return the listed names' values. str/int/bool/None come back
 * as JSON values; anything else as `{repr: string}` so it is never mistaken
 * for a string; a name the file never sets is absent from the result. Used
 * when a value is an expression. Rejects with ConfigError if python3 fails
 * (the message holds Python's last error line and the line number, never the
 * file), and with the signal's reason when aborted. The code runs with the
 * rights of `owner` (see python-runner.ts); without an owner, the caller
 * vouches for the text and it runs as this process.
 */
export async function evaluateSettings(text: string, names: readonly string[], options: {signal?: AbortSignal; owner?: FileOwner; timeoutMs?: number; secrets?: Readonly<Record<string, string>>; secretsFile?: string} = {}): Promise<Record<string, unknown>> {
	const {signal} = options;
	signal?.throwIfAborted();
	const fix = 'Check the file with: python3 -m py_compile /etc/zulip/settings.py';
	// Refuses (ConfigError) when nobody who could vouch for the code can be switched to.
	const identity = identityOrThrow(options.owner);
	let secrets = options.secrets ?? {};
	// Secrets go only to a user who could read the secrets file itself (tried as that user, with the groups the child gets).
	if (identity.uid !== undefined && Object.keys(secrets).length > 0) {
		const {canRead} = await import('../engine/as-owner.js');
		if (options.secretsFile === undefined || !canRead({uid: identity.uid, gid: identity.gid ?? identity.uid}, options.secretsFile)) secrets = {};
	}

	const result = await runPython({script: SCRIPT, request: JSON.stringify({text, names, secrets}), identity, timeoutMs: options.timeoutMs, signal});
	if (result.code !== 0) {
		const lastLine = result.stderr.trim().split('\n').at(-1) ?? '';
		throw new ConfigError(`python3 failed while reading settings.py: ${lastLine || `exit code ${result.code}`}`, fix, 'settings-eval');
	}

	const output = result.stdout;
	let answer: EvalAnswer;
	try {
		answer = JSON.parse(output) as EvalAnswer;
	} catch {
		throw new ConfigError('python3 gave no answer while reading settings.py.', fix, 'settings-eval');
	}

	if (answer.error !== undefined) {
		const where = answer.line ? ` (line ${answer.line})` : '';
		throw new ConfigError(`settings.py fails when Python runs it${where}: ${answer.error}`, fix, 'settings-eval');
	}

	return answer.values ?? {};
}
