// One visible() for every text from outside the process (issue 19 item 7):
// a settings.py another user can write puts OSC 52 (clipboard), OSC 0
// (title), ESC[2J, C1 controls and a bidi override into EMAIL_HOST, its user
// and a comment; a lock holder's command carries them too. None of it may
// reach the terminal raw from --check, the --dry-run diff, --json or the
// wizard, and each value must still be recognisable in its escaped form.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {acquireRunLock} from '../source/engine/run-lock.js';
import {visibleControls, visibleJson} from '../source/engine/shown-text.js';
import {fakeServer, runCli} from './helpers/cli.js';
import {startDnsServer, type RunningDnsServer} from './helpers/dns-servers.js';
import {ensureBuilt, BIN} from './helpers/program.js';
import {PtySession} from './helpers/pty.js';

// In Python escapes, as an attacker would write them (the file stays ASCII). The bidi override
// also makes Node refuse the name before any DNS query (EINVAL), so --check sends nothing anywhere.
const HOST_SOURCE = String.raw`smtp\x1b]52;c;aGk=\x07.example.com\x1b]0;owned\x07\x1b[2J\u202emoc\x9b31m`;
const USER_SOURCE = String.raw`alice\x1b[2J\x9d8;;x\x9c`;
// Raw bytes in a comment next to the line the dry run replaces: it shows up as diff context.
const RAW_COMMENT = '# note \u001B]0;title\u0007 \u001B[2J \u202E \u009B1m';

/** Every character that acts on a terminal: C0 but tab and newline, DEL, C1, bidi controls. */
// eslint-disable-next-line no-control-regex
const ACTING = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

async function hostileServer() {
	const server = await fakeServer();
	const text = await readFile(server.settings, 'utf8');
	const edited = text
		.replace('# EMAIL_HOST = "smtp.example.com"', `EMAIL_HOST = "${HOST_SOURCE}"\n${RAW_COMMENT}`)
		.replace('# EMAIL_HOST_USER = ""', `EMAIL_HOST_USER = "${USER_SOURCE}"`);
	assert.notEqual(edited, text);
	await writeFile(server.settings, edited);
	return server;
}

function assertNothingActs(output: string, where: string): void {
	const found = ACTING.exec(output);
	assert.equal(found, null, `${where}: raw U+${found?.[0].codePointAt(0)?.toString(16).padStart(4, '0')} at ${found?.index}: ${JSON.stringify(output.slice(Math.max(0, (found?.index ?? 0) - 40), (found?.index ?? 0) + 40))}`);
}

const DRY_RUN = ['--non-interactive', '--dry-run', '--provider', 'custom', '--host', 'smtp.example.org', '--port', '587', '--security', 'starttls', '--username', 'bob', '--skip-test'];

// The DNS checks of --check (and the wizard's) ask this loopback server, never the system's resolver.
let dns: RunningDnsServer;
before(async () => {
	await ensureBuilt();
	dns = await startDnsServer({records: {}});
});
after(async () => {
	await dns.close();
});

describe('text from files never acts on the terminal', () => {
	test('the helper: C0, C1, DEL and bidi controls escaped, readable; JSON escaped and still the same value', () => {
		assert.equal(visibleControls('a\u001B]0;t\u0007b\u009Bc\u202Ed\te\nf'), String.raw`a\x1b]0;t\x07b\x9bc\u202ed` + '\te\nf');
		const value = {host: 'x\u001B\u009B\u202E\u2066y'};
		const json = visibleJson(JSON.stringify(value));
		assertNothingActs(json, 'JSON');
		assert.deepEqual(JSON.parse(json), value);
	});

	test('--check: the values shown escaped, in text and in JSON', async () => {
		const server = await hostileServer();
		const text = await runCli([...server.args, '--check', '--dns-server', dns.address]);
		assertNothingActs(text.stdout + text.stderr, '--check');
		assert.ok(text.stdout.includes(String.raw`Server: smtp\x1b]52;c;aGk=\x07.example.com\x1b]0;owned\x07\x1b[2J\u202emoc\x9b31m:25`), text.stdout);
		assert.ok(text.stdout.includes(String.raw`Login: alice\x1b[2J\x9d8;;x\x9c`), text.stdout);
		const json = await runCli([...server.args, '--check', '--json', '--dns-server', dns.address]);
		assertNothingActs(json.stdout + json.stderr, '--check --json');
		const report = JSON.parse(json.stdout) as {test: {diagnosis: {message: string}}};
		// The JSON value is the real one; only its spelling is escaped.
		assert.ok(report.test.diagnosis.message.includes('smtp\u001B]52;c;aGk=\u0007.example.com'), report.test.diagnosis.message);
	});

	test('--dry-run: the diff shows the replaced value and the raw comment escaped, in text and in JSON', async () => {
		const server = await hostileServer();
		const text = await runCli([...server.args, ...DRY_RUN], {env: {ZULIP_EMAIL_PASSWORD: 'pw'}});
		assert.equal(text.code, 0, text.stdout + text.stderr);
		assertNothingActs(text.stdout + text.stderr, '--dry-run');
		assert.ok(text.stdout.includes(`-EMAIL_HOST = "${HOST_SOURCE}"`), text.stdout);
		assert.ok(text.stdout.includes(String.raw` # note \x1b]0;title\x07 \x1b[2J \u202e \x9b1m`), text.stdout);
		const json = await runCli([...server.args, ...DRY_RUN, '--json'], {env: {ZULIP_EMAIL_PASSWORD: 'pw'}});
		assertNothingActs(json.stdout + json.stderr, '--dry-run --json');
		const report = JSON.parse(json.stdout) as {diff: string};
		assert.ok(report.diff.includes(String.raw` # note \x1b]0;title\x07 \x1b[2J \u202e \x9b1m`), report.diff);
	});

	test('a lock holder\'s command is shown escaped in the "another run" message', async () => {
		const server = await fakeServer();
		const holderScript = join(server.dir, 'holder.mts');
		const lockModule = new URL('../source/engine/run-lock.ts', import.meta.url).href;
		await writeFile(holderScript, `import {acquireRunLock} from ${JSON.stringify(lockModule)};\nawait acquireRunLock(${JSON.stringify(server.settings)});\nprocess.stdout.write('held\\n');\nprocess.stdin.resume();\nprocess.stdin.on('end', () => process.exit(0));\n`);
		// Its argv, and so the command the lock records, carries the sequences.
		const holder = spawn(process.execPath, ['--import', 'tsx', holderScript, '\u001B]0;owned\u0007\u001B[2J\u202E'], {stdio: ['pipe', 'pipe', 'inherit']});
		try {
			await new Promise<void>((resolve, reject) => {
				holder.stdout.on('data', (chunk: Buffer) => {
					if (chunk.toString().includes('held')) resolve();
				});
				holder.on('exit', code => reject(new Error(`the holder exited (${code})`)));
			});
			await assert.rejects(acquireRunLock(server.settings, {waitMs: 0}), (error: Error) => {
				assertNothingActs(error.message, 'lock message');
				assert.ok(error.message.includes(String.raw`\x1b]0;owned\x07\x1b[2J\u202e`), error.message);
				return true;
			});
		} finally {
			holder.stdin.end();
			holder.kill();
		}
	});

	test('the wizard: the summary of the current configuration shows the values escaped, nothing raw reaches the terminal', {timeout: 60_000}, async () => {
		const server = await hostileServer();
		const session = new PtySession(process.execPath, [BIN, ...server.args, '--dns-server', dns.address], {env: {NO_COLOR: '1'}, cols: 100, rows: 30});
		try {
			await session.waitFor('What do you want to do?', 30_000);
			for (const sequence of ['\u001B]52', '\u001B]0;owned', 'alice\u001B', '\u202E', '\u009B', '\u009D']) {
				assert.ok(!session.raw.includes(sequence), `${JSON.stringify(sequence)} reached the terminal`);
			}

			assert.ok(session.text.includes(String.raw`smtp\x1b]52;c;aGk=\x07.example.com`), session.text);
			assert.ok(session.text.includes(String.raw`alice\x1b[2J\x9d8;;x\x9c`), session.text);
		} finally {
			session.kill();
		}
	});
});
