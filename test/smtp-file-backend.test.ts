// The file backend's test: EMAIL_FILE_PATH writable by the user Zulip runs
// as, and the two test mails written the way Django's filebased backend does.
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, describe, test} from 'node:test';
import {promisify} from 'node:util';
import {runFileBackendTest} from '../source/smtp/file-backend-test.js';
import {testMessageBody} from '../source/smtp/message.js';
import {noreplyToken} from '../source/smtp/noreply.js';
import type {Sender, TestEvent} from '../source/smtp/types.js';
import {plainText} from '../source/engine/command-text.js';

const run = promisify(execFile);
const administrator = 'admin@zulip.example.com';
const noreply = `noreply-${noreplyToken()}@zulip.example.com`;
const senders: Sender[] = [{role: 'default', address: administrator}, {role: 'noreply-tokenized', address: noreply}];
const isRoot = process.getuid?.() === 0;

const directories: string[] = [];
async function scratch(): Promise<string> {
	const directory = await mkdtemp(join(tmpdir(), 'file-backend-test-'));
	directories.push(directory);
	return directory;
}

after(async () => {
	await Promise.all(directories.map(directory => rm(directory, {recursive: true, force: true})));
});

describe('file backend', () => {
	test('writes the two test mails as Django\'s filebased backend does, creating the directory', async () => {
		const emails = join(await scratch(), 'var', 'log', 'zulip', 'emails');
		const events: TestEvent[] = [];
		// No such user here: the check falls back to the current user.
		const report = await runFileBackendTest({filePath: emails, senders, to: 'me@example.org', zulipUser: 'zulip-test-no-such-user', onEvent: event => events.push(event)});
		assert.equal(report.ok, true, JSON.stringify(report));
		assert.deepEqual(report.senders.map(sender => sender.sent), [true, true]);
		assert.deepEqual(events.filter(event => event.status !== 'start').map(event => `${event.step}:${event.status}`), ['file:ok', 'send:ok', 'send:ok']);
		const files = (await readdir(emails)).sort();
		assert.equal(files.length, 2);
		for (const file of files) assert.match(file, /^\d{8}-\d{6}-\d+\.log$/);
		// Python's email parser reads each file as Zulip's admins would.
		const parse = 'import sys, json, email; text = open(sys.argv[1]).read(); m = email.message_from_string(text.rsplit("\\n" + "-" * 79, 1)[0]); print(json.dumps({"subject": m["Subject"], "from": m["From"], "to": m["To"], "body": m.get_payload().rstrip("\\n")}))';
		const parsed = await Promise.all(files.map(async file => {
			const text = await readFile(join(emails, file), 'utf8');
			assert.ok(text.endsWith(`\n${'-'.repeat(79)}\n`), 'Django\'s separator');
			const {stdout} = await run('python3', ['-c', parse, join(emails, file)], {encoding: 'utf8'});
			return JSON.parse(stdout) as Record<string, string>;
		}));
		const bySubject = Object.fromEntries(parsed.map(message => [message['subject'], message]));
		assert.equal(bySubject['Zulip email test']?.['from'], administrator);
		assert.equal(bySubject['Zulip noreply email test']?.['from'], noreply);
		for (const message of parsed) {
			assert.equal(message['to'], 'me@example.org');
			assert.equal(message['body'], testMessageBody);
		}
	});

	test('a path that is a file: file-backend-not-writable with the install -d fix', async () => {
		const file = join(await scratch(), 'emails');
		await writeFile(file, 'not a directory');
		const report = await runFileBackendTest({filePath: file, senders, zulipUser: 'zulip-test-no-such-user'});
		assert.equal(report.ok, false);
		assert.equal(report.diagnosis?.id, 'file-backend-not-writable');
		assert.match(report.diagnosis!.detail ?? '', /not a directory/);
		assert.match(plainText(report.diagnosis!.fix), new RegExp(`install -d -o \\S+ -g \\S+ ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
		assert.match(plainText(report.diagnosis!.fix), /--file-path DIR/);
	});

	test('a directory the zulip user cannot write: diagnosed for that user, nothing written', {skip: !isRoot && 'needs root to judge for another user'}, async () => {
		const parent = await scratch();
		await chmod(parent, 0o755);
		const emails = join(parent, 'emails');
		await mkdir(emails);
		await chmod(emails, 0o755);
		// "nobody" stands in for zulip: the directory belongs to root, so it cannot write there.
		const report = await runFileBackendTest({filePath: emails, senders, zulipUser: 'nobody'});
		assert.equal(report.diagnosis?.id, 'file-backend-not-writable');
		assert.match(report.diagnosis!.message, /^nobody cannot write/);
		assert.match(plainText(report.diagnosis!.fix), new RegExp(`^Run install -d -o nobody -g nobody ${emails.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
		assert.deepEqual(await readdir(emails), []);
		assert.equal((await stat(emails)).mode & 0o777, 0o755, 'the check changes nothing');
	});

	test('a missing directory the zulip user could not create: diagnosed, nothing created', {skip: !isRoot && 'needs root to judge for another user'}, async () => {
		const parent = await scratch();
		await chmod(parent, 0o755);
		const emails = join(parent, 'emails');
		const report = await runFileBackendTest({filePath: emails, senders, zulipUser: 'nobody'});
		assert.equal(report.diagnosis?.id, 'file-backend-not-writable');
		assert.match(report.diagnosis!.detail ?? '', /does not exist and nobody cannot create it/);
		assert.deepEqual(await readdir(parent), []);
	});

	test('the path that blocks is named with its mode, and the fix is for it: a parent the user cannot enter (issue 22)', {skip: !isRoot && 'needs root to judge for another user'}, async () => {
		const parent = await scratch();
		await chmod(parent, 0o700);
		const emails = join(parent, 'emails');
		const missing = await runFileBackendTest({filePath: emails, senders, zulipUser: 'nobody'});
		assert.equal(missing.diagnosis?.id, 'file-backend-not-writable');
		assert.match(missing.diagnosis!.detail ?? '', /mode 0700/);
		// Creating emails for nobody would not help while nobody cannot enter its parent: the fix says so first.
		assert.match(plainText(missing.diagnosis!.fix), new RegExp(`chmod o\\+x ${parent} \\(nobody cannot enter it\\), then install -d -o nobody -g nobody ${emails}`));

		// The directory made for nobody, the parent still closed: the parent is what blocks, and the fix names it.
		await mkdir(emails);
		await chmod(emails, 0o777);
		const closed = await runFileBackendTest({filePath: emails, senders, zulipUser: 'nobody'});
		assert.match(closed.diagnosis!.detail ?? '', new RegExp(`nobody cannot enter ${parent} \\(owned by uid 0, gid 0, mode 0700\\)`));
		assert.match(plainText(closed.diagnosis!.fix), new RegExp(`chmod o\\+x ${parent}`));
		assert.doesNotMatch(plainText(closed.diagnosis!.fix), /install -d/);
	});

	test('the sandbox\'s zulip user is whoever owns the sandbox, never the system\'s zulip user (issue 22)', async () => {
		const sandbox = await scratch();
		await chmod(sandbox, 0o700);
		const emails = join(sandbox, 'emails');
		const report = await runFileBackendTest({filePath: emails, senders, writableRoot: sandbox});
		assert.equal(report.ok, true, JSON.stringify(report.diagnosis));
		assert.equal((await readdir(emails)).length, senders.length);
	});

	test('a directory the zulip user owns: written, and the files belong to it', {skip: !isRoot && 'needs root to chown'}, async () => {
		const parent = await scratch();
		await chmod(parent, 0o755);
		const emails = join(parent, 'emails');
		await mkdir(emails);
		await run('chown', ['nobody:nogroup', emails]);
		const report = await runFileBackendTest({filePath: emails, senders, zulipUser: 'nobody'});
		assert.equal(report.ok, true, JSON.stringify(report));
		for (const file of await readdir(emails)) assert.equal((await stat(join(emails, file))).uid, 65_534);
	});
});

test('a passed file backend test names every mail it wrote in the scrollback, as written, not sent', async () => {
	const {foldTestEvent} = await import('../source/ui/flow-reducer.js');
	const {testEntry} = await import('../source/ui/flow-scrollback.js');
	const emails = join(await scratch(), 'emails');
	const three: Sender[] = [{role: 'default', address: administrator}, {role: 'noreply-plain', address: 'noreply@zulip.example.com'}, {role: 'noreply-tokenized', address: noreply}];
	let lines: ReturnType<typeof foldTestEvent> = [];
	let at = 0;
	const report = await runFileBackendTest({filePath: emails, senders: three, zulipUser: 'zulip-test-no-such-user', onEvent: event => {
		lines = foldTestEvent(lines, event, at += 1);
	}});
	assert.equal(report.ok, true, JSON.stringify(report));
	assert.equal((await readdir(emails)).length, 3);
	const entry = testEntry(report, lines);
	assert.match(entry.text, /^Test passed/);
	assert.deepEqual(entry.block?.map(line => line.replace(/ {2}\S+ m?s$/, '')), [
		'✔ test mail from the default From written',
		'✔ test mail from the noreply From written',
		'✔ test mail from the tokenized noreply From written',
	]);
});
