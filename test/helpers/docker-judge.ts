/**
 * Judges of what a docker-zulip deployment makes of the files this tool
 * writes, independent of the code under test:
 * - docker-zulip's own entrypoint.sh (the fixtures), its normalize_bool and
 *   setConfigurationValue functions run by bash;
 * - a re-implementation of setConfigurationValue in TypeScript, written from
 *   the shell source, which the tests check against bash;
 * - PyYAML for the YAML files, python3 for settings.py and RawConfigParser,
 *   bash's $(cat …) for a Docker secret.
 */
import {execFile} from 'node:child_process';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';

const run = promisify(execFile);
export const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'docker');

export type Flavor = 'current' | 'legacy';

/** A shell function's source, from `name() {` to the `}` that closes it at column 0. */
function shellFunction(source: string, name: string): string {
	const start = source.indexOf(`\n${name}() {`);
	if (start === -1) throw new Error(`${name} not found in entrypoint.sh`);
	const end = source.indexOf('\n}\n', start);
	return source.slice(start + 1, end + 3);
}

/**
 * The settings.py lines the real entrypoint appends for these variables,
 * in its order (bash lists ${!SETTING_@} sorted), by bash itself.
 */
export async function bashEntrypointSettings(environment: Readonly<Record<string, string>>, flavor: Flavor): Promise<string> {
	const source = await readFile(path.join(FIXTURES, flavor === 'current' ? 'entrypoint.sh' : 'entrypoint-legacy.sh'), 'utf8');
	const functions = flavor === 'current'
		? shellFunction(source, 'normalize_bool') + shellFunction(source, 'setConfigurationValue').replace('>>/etc/zulip/settings.py', '>>"$SETTINGS_PY"')
		: shellFunction(source, 'setConfigurationValue');
	const dir = await mkdtemp(path.join(tmpdir(), 'entrypoint-'));
	const settings = path.join(dir, 'settings.py');
	try {
		await writeFile(settings, '');
		const script = `set -e\nshopt -s extglob\n${functions}\nfor key in "\${!SETTING_@}"; do\n  [[ "$key" == SETTING_*([0-9A-Za-z_]) ]] || continue\n  value="\${!key}"\n  [ -z "$value" ] && continue\n  setConfigurationValue "\${key#SETTING_}" "$value" "" >/dev/null 2>&1\ndone\n`;
		await run('bash', ['-c', script], {env: {PATH: process.env.PATH, SETTINGS_PY: settings, LC_ALL: 'C.UTF-8', ...environment}});
		return await readFile(settings, 'utf8');
	} finally {
		await rm(dir, {recursive: true, force: true});
	}
}

/** bash `echo -e`, for the type decision only. */
function echoEscapes(value: string): string {
	let out = '';
	let index = 0;
	while (index < value.length) {
		const character = value[index++]!;
		if (character !== '\\' || index >= value.length) {
			out += character;
			continue;
		}

		const next = value[index]!;
		const table = 'a\x07b\bf\fn\nr\rt\tv\ve\x1bE\x1b\\\\';
		const at = table.indexOf(next);
		if (next === 'c') break;
		if (at !== -1 && at % 2 === 0) {
			out += table[at + 1];
			index++;
			continue;
		}

		const patterns: Array<[RegExp, number]> = [[/^0[0-7]{0,3}/, 8], [/^x[0-9a-fA-F]{1,2}/, 16], [/^u[0-9a-fA-F]{1,4}/, 16], [/^U[0-9a-fA-F]{1,8}/, 16]];
		const found = patterns.map(([pattern, radix]) => [pattern.exec(value.slice(index)), radix] as const).find(([match]) => match);
		if (found) {
			const [match, radix] = found;
			const digits = match![0].slice(1);
			const code = digits === '' ? 0 : Number.parseInt(digits, radix);
			out += code <= 0x10ffff ? String.fromCodePoint(code) : '';
			index += match![0].length;
			continue;
		}

		out += '\\';
	}

	return out;
}

/** setConfigurationValue KEY VALUE "" (no explicit type), re-implemented from entrypoint.sh. */
export function judgeSettingLine(key: string, value: string, flavor: Flavor): string {
	const probe = flavor === 'current' ? echoEscapes(value).replace(/[ \t\n\v\f\r]/g, '') : value;
	let type = 'string';
	if (/^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|[Nn]one)$/.test(probe)) type = 'bool';
	else if (/^\d+$/.test(probe) && /^[0-9]+$/.test(probe)) type = 'integer';
	else if (flavor === 'current' && /^(\[[\s\S]*\]|\([\s\S]*\)|\{[\s\S]*\})$/.test(probe)) type = 'array';
	else if (flavor === 'legacy' && /^[[(][\s\S]*[\])]$/.test(probe)) type = 'array';
	if (flavor === 'legacy') return type === 'string' ? `${key} = '${value}'` : `${key} = ${value}`;
	if (type === 'bool') {
		const lower = value.toLowerCase();
		const normalized = /^(true|enable|enabled|yes|y|1|on)$/.test(lower) ? 'True' : lower === 'none' ? 'None' : 'False';
		return `${key} = ${normalized}`;
	}

	if (type !== 'string') return `${key} = ${value}`;
	return `${key} = '${value.split('\\').join('\\\\').split("'").join("\\'")}'`;
}

/** Every SETTING_ variable's line, as zulipConfiguration appends them. */
export function judgeSettings(environment: Readonly<Record<string, string>>, flavor: Flavor): string {
	return Object.keys(environment)
		.filter(name => /^SETTING_[0-9A-Za-z_]+$/.test(name) && environment[name] !== '')
		.sort()
		.map(name => judgeSettingLine(name.slice(8), environment[name]!, flavor) + '\n')
		.join('');
}

/** A YAML file as PyYAML (YAML 1.1) reads it, as JSON. */
export async function pyYaml(text: string): Promise<unknown> {
	const child = execFile('python3', ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read()), default=str))']);
	const output = new Promise<string>((resolve, reject) => {
		let data = '';
		child.stdout!.on('data', chunk => (data += chunk));
		child.on('error', reject);
		child.on('close', code => (code === 0 ? resolve(data) : reject(new Error(`PyYAML refused the file (exit ${code})`))));
	});
	child.stdin!.end(text);
	return JSON.parse(await output) as unknown;
}

/**
 * The zulip service's environment as Compose hands it to the container:
 * base then override, booleans and numbers as text, `$$` a literal `$`.
 * Only for files without `${VAR}` interpolation (the tests' fixtures).
 */
export async function composeEnvironment(texts: readonly string[]): Promise<Record<string, string>> {
	const environment: Record<string, string> = {};
	for (const text of texts) {
		const parsed = (await pyYaml(text)) as {services?: {zulip?: {environment?: Record<string, unknown> | string[]}}} | null;
		const raw = parsed?.services?.zulip?.environment ?? {};
		// Compose's list form: `- KEY=value` (the first `=` splits).
		const entries = Array.isArray(raw) ? raw.map(item => [item.split('=')[0]!, item.includes('=') ? item.slice(item.indexOf('=') + 1) : null] as const) : Object.entries(raw);
		for (const [name, value] of entries) {
			if (value === null) continue;
			const text = String(value);
			if (/\$[{\w]/.test(text.replaceAll('$$', ''))) throw new Error(`the judge does not interpolate ${name}`);
			environment[name] = text.replaceAll('$$', '$');
		}
	}

	return environment;
}

/** What `$(cat secret)` gives the entrypoint, by bash. */
export async function bashCatSecret(file: string): Promise<string> {
	const {stdout} = await run('bash', ['-c', 'v="$(cat "$1")"; printf %s "$v"', 'judge', file]);
	return stdout;
}

/**
 * email_password as Zulip reads it after the entrypoint's `crudini --set`
 * (which writes `key = value`): python3's RawConfigParser.
 */
export async function pySecretAfterEntrypoint(value: string): Promise<string> {
	const program = 'import sys, configparser\nc = configparser.RawConfigParser()\nc.read_string("[secrets]\\nemail_password = " + sys.stdin.read() + "\\n")\nsys.stdout.write(c.get("secrets", "email_password"))';
	const child = execFile('python3', ['-c', program]);
	const output = new Promise<string>((resolve, reject) => {
		let data = '';
		child.stdout!.setEncoding('utf8');
		child.stdout!.on('data', chunk => (data += chunk));
		child.on('error', reject);
		child.on('close', code => (code === 0 ? resolve(data) : reject(new Error(`configparser failed (exit ${code})`))));
	});
	child.stdin!.end(value);
	return output;
}
