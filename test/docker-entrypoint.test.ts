import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {encodeSetting, settingLine, UnencodableSetting, type EntrypointFlavor} from '../source/docker/entrypoint-rules.js';
import {bashEntrypointSettings, judgeSettingLine, judgeSettings} from './helpers/docker-judge.js';
import {pyExecSettings} from './helpers/python.js';

/** Values that exercise every branch of setConfigurationValue's type detection, and its quoting. */
const CORPUS = [
	'smtp.example.com', 'True', 'true', 'TRUE', 'False', 'false', 'None', 'none', 'NONE', 'yes', 'on', '0', '1', '587', '0587', ' 587', '5 87',
	'[1, 2]', '(1,)', '{"a": 1}', '[unclosed', 'a]', "it's", 'back\\slash', 'DOMAIN\\user', 'C:\\path\\', "q'uo\\'te", 'x\\ny', '1\\n2', '\\x31\\x32',
	'tr ue', 'Tr\\tue', '12\\c3', '%s@gw.example.com', '"double"', 'spaces inside', 'ümlaut@example.org', '$HOME', '-n', '-e',
];

for (const flavor of ['current', 'legacy'] as const) {
	describe(`setConfigurationValue (${flavor} entrypoint)`, () => {
		test('the engine and the judge both predict what bash writes, value by value', async () => {
			const environment = Object.fromEntries(CORPUS.map((value, index) => [`SETTING_K${String(index).padStart(2, '0')}`, value]));
			const fromBash = await bashEntrypointSettings(environment, flavor);
			assert.equal(judgeSettings(environment, flavor), fromBash);
			const engine = Object.keys(environment).sort().map(name => settingLine(name.slice(8), environment[name]!, flavor) + '\n').join('');
			assert.equal(engine, fromBash);
			// The judge is not a copy of the engine: it differs from a naive rule somewhere in the corpus.
			assert.notEqual(judgeSettingLine('K', '1\\n2', 'current'), "K = '1\\\\n2'");
		});
	});
}

/** What each target value becomes through encodeSetting, the real entrypoint (bash) and Python. */
async function roundTrip(values: Record<string, string | number | boolean>, flavor: EntrypointFlavor): Promise<Record<string, unknown>> {
	const environment = Object.fromEntries(Object.entries(values).map(([name, value]) => [`SETTING_${name}`, encodeSetting(name, value, flavor)]));
	const settings = await bashEntrypointSettings(environment, flavor);
	return pyExecSettings(settings, Object.keys(values));
}

describe('encodeSetting', () => {
	const wanted = {
		EMAIL_HOST: 'smtp.mailgun.org',
		EMAIL_HOST_USER: 'postmaster@mg.example.org',
		EMAIL_PORT: 587,
		EMAIL_USE_TLS: true,
		EMAIL_USE_SSL: false,
		NOREPLY_EMAIL_ADDRESS: 'Zulip <noreply@example.org>',
		ADD_TOKENS_TO_NOREPLY_ADDRESS: false,
		EMAIL_FILE_PATH: '/var/log/zulip/emails',
	};

	test('every value the tool writes comes out of both entrypoints as exactly that Python value', async () => {
		assert.deepEqual(await roundTrip(wanted, 'current'), wanted);
		assert.deepEqual(await roundTrip(wanted, 'legacy'), wanted);
	});

	test('quotes and backslashes survive the 12.x entrypoint', async () => {
		const awkward = {EMAIL_HOST_USER: "DOMAIN\\o'brien", EMAIL_HOST: 'relay\\x31.example'};
		assert.deepEqual(await roundTrip(awkward, 'current'), awkward);
	});

	test('a text the entrypoint would read as another type is refused with the reason', () => {
		for (const [value, why] of [['12345', /a number/], ['True', /a boolean/], ['none', /a boolean/], ['[admin]', /list/], ['1\\n2', /a number/], ['tr ue', /a boolean/]] as const) {
			assert.throws(() => encodeSetting('EMAIL_HOST_USER', value, 'current'), (error: unknown) => error instanceof UnencodableSetting && why.test((error as Error).message), value);
		}
	});

	test('the legacy entrypoint cannot carry a quote or a backslash', () => {
		assert.throws(() => encodeSetting('EMAIL_HOST_USER', "o'brien", 'legacy'), /before 12\.0/);
		assert.throws(() => encodeSetting('EMAIL_HOST_USER', 'DOMAIN\\user', 'legacy'), /before 12\.0/);
		assert.equal(encodeSetting('EMAIL_HOST_USER', 'DOMAIN\\user', 'current'), 'DOMAIN\\user');
	});
});
