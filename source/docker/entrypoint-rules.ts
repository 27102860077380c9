/**
 * How docker-zulip's entrypoint.sh turns `SETTING_KEY=value` variables into
 * settings.py lines (setConfigurationValue), read from zulip/docker-zulip:
 * the current image (12.x) and the legacy one (zulip/docker-zulip ≤ 11.x)
 * differ, and a value that one turns into the intended Python value the
 * other may turn into a syntax error. Everything this tool writes into a
 * compose file or Helm values goes through encodeSetting, which refuses a
 * value the entrypoint would not turn back into exactly that value.
 */
import {formatPythonString} from '../zulip/python-literal.js';

/** current: ghcr.io/zulip/zulip-server 12.x (and the Helm chart); legacy: zulip/docker-zulip ≤ 11.x (docker-compose.yml). */
export type EntrypointFlavor = 'current' | 'legacy';

export type SettingType = 'bool' | 'integer' | 'array' | 'string';

const SPACE = /[ \t\n\v\f\r]/g;

/**
 * bash's `echo -e`: backslash escapes are interpreted and `\c` ends the
 * output. The 12.x entrypoint runs each value through it (then deletes all
 * whitespace) only to pick the value's type.
 */
export function echoE(value: string): string {
	let out = '';
	for (let index = 0; index < value.length; index++) {
		const character = value[index]!;
		if (character !== '\\' || index + 1 >= value.length) {
			out += character;
			continue;
		}

		const next = value[index + 1]!;
		const simple: Record<string, string> = {a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\'};
		if (next === 'c') return out;
		if (next in simple) {
			out += simple[next];
			index++;
			continue;
		}

		const numeric = /^(?:0([0-7]{0,3})|x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{1,4})|U([0-9a-fA-F]{1,8}))/.exec(value.slice(index + 1));
		if (numeric) {
			const [whole, octal, hex, u4, u8] = numeric;
			const code = octal !== undefined ? Number.parseInt(octal || '0', 8) : Number.parseInt((hex ?? u4 ?? u8)!, 16);
			// bash prints \x bytes raw; for the type decision only ASCII matters.
			out += code <= 0x10ffff ? String.fromCodePoint(code) : '';
			index += whole.length;
			continue;
		}

		out += character;
	}

	return out;
}

/** The type setConfigurationValue picks for a value (when the caller gives none). */
export function settingType(value: string, flavor: EntrypointFlavor): SettingType {
	const probe = flavor === 'current' ? echoE(value).replace(SPACE, '') : value;
	if (/^(?:[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|[Nn]one)$/.test(probe)) return 'bool';
	if (/^[0-9]+$/.test(probe)) return 'integer';
	if (flavor === 'current' ? /^(?:\[.*\]|\(.*\)|\{.*\})$/s.test(probe) : /^[[(].*[\])]$/s.test(probe)) return 'array';
	return 'string';
}

/** normalize_bool of the 12.x entrypoint, with allow_none. */
function normalizeBool(raw: string): 'True' | 'False' | 'None' {
	const value = raw.toLowerCase();
	if (['true', 'enable', 'enabled', 'yes', 'y', '1', 'on'].includes(value)) return 'True';
	if (['false', 'disable', 'disabled', 'no', 'n', '0', 'off'].includes(value)) return 'False';
	if (value === 'none') return 'None';
	return 'False';
}

/**
 * The settings.py line the entrypoint appends for SETTING_<key>=<value>, or
 * null when it skips the variable (an empty value).
 */
export function settingLine(key: string, value: string, flavor: EntrypointFlavor): string | null {
	if (value === '') return null;
	const type = settingType(value, flavor);
	if (flavor === 'legacy') {
		// The legacy image writes bools, integers and arrays as typed, and strings between single quotes unescaped.
		return type === 'string' ? `${key} = '${value}'` : `${key} = ${value}`;
	}

	if (type === 'bool') return `${key} = ${normalizeBool(value)}`;
	if (type === 'integer' || type === 'array') return `${key} = ${value}`;
	return `${key} = '${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** The Python source for what a setting should hold: what a correct settingLine produces. */
export function pythonSource(value: string | number | boolean): string {
	if (typeof value === 'boolean') return value ? 'True' : 'False';
	if (typeof value === 'number') return String(value);
	return formatPythonString(value, "'");
}

/** A value that SETTING_ cannot carry, in the admin's words. */
export class UnencodableSetting extends Error {}

/**
 * The environment value that makes the entrypoint write exactly `value`
 * into settings.py: True/False, digits, or the string itself when the
 * entrypoint will treat it as a string. Throws UnencodableSetting for a
 * string the entrypoint would read as something else (a user name of only
 * digits becomes an int; under the legacy image a quote breaks the file).
 */
export function encodeSetting(key: string, value: string | number | boolean, flavor: EntrypointFlavor): string {
	if (typeof value === 'boolean') return value ? 'True' : 'False';
	if (typeof value === 'number') {
		if (!Number.isSafeInteger(value) || value < 0) throw new UnencodableSetting(`${key} = ${value} cannot be given through SETTING_${key}.`);
		return String(value);
	}

	if (/[\n\r\0]/.test(value)) throw new UnencodableSetting(`SETTING_${key} cannot hold a line break.`);
	const type = settingType(value, flavor);
	if (type !== 'string') {
		const as = {bool: 'a boolean', integer: 'a number', array: 'a Python list, tuple or dict'}[type];
		throw new UnencodableSetting(`docker-zulip would read SETTING_${key} "${value}" as ${as}, not as text.`);
	}

	if (flavor === 'legacy' && /['\\]/.test(value)) {
		throw new UnencodableSetting(`The docker-zulip image before 12.0 writes SETTING_${key} into settings.py unescaped, so it cannot hold a quote or a backslash ("${value}").`);
	}

	if (settingLine(key, value, flavor) !== `${key} = ${pythonSource(value)}`) {
		throw new UnencodableSetting(`docker-zulip would not write SETTING_${key} "${value}" back as the same text.`);
	}

	return value;
}
