// "Confirm with Zulip itself": manage.py send_test_email run from the
// deployment, as the zulip user (never root), scrubbed environment, deadline,
// output masked and parsed. The sandbox's stand-in manage.py is real Python
// that reads the sandbox's files as Zulip does and sends with smtplib.
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {copyFile, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {promisify} from 'node:util';
import {parseOptions} from '../source/args.js';
import {confirmWithZulip, zulipIdentity} from '../source/engine/zulip-confirm.js';
import {writeSandboxDeployment} from '../source/sandbox/manage-py.js';
import {startSmtpServer, type TestSmtpServer} from './helpers/smtp-servers.js';
import {createTestPki, type TestPki} from './helpers/tls.js';

const run = promisify(execFile);
const repo = new URL('..', import.meta.url).pathname;
const bin = join(repo, 'bin', 'zulip-email-setup.js');
const FIXTURES = new URL('fixtures/', import.meta.url).pathname;
const PASSWORD = 'c0nf1rm#S3cret;x';
const USER = 'zulip@relay.example.com';
const ADMIN = 'admin@chat.example.org';
const self = {self: true, name: 'the test user'} as const;

let pki: TestPki;
let root: string;
const servers: TestSmtpServer[] = [];
before(async () => {
	pki = await createTestPki();
	root = await mkdtemp(join(tmpdir(), 'zulip-confirm-'));
});
after(async () => {
	await Promise.all(servers.map(server => server.close()));
	await pki.cleanup();
	await rm(root, {recursive: true, force: true});
});

/** A server's files pointing at `relay`, and the stand-in deployment reading them. */
async function serverWithStandIn(relay: TestSmtpServer): Promise<{deployment: string}> {
	const dir = await mkdtemp(join(root, 'server-'));
	const settings = join(dir, 'settings.py');
	const secrets = join(dir, 'zulip-secrets.conf');
	const template = await readFile(join(FIXTURES, 'settings', 'zulip-2024.py'), 'utf8');
	await writeFile(settings, `${template}\nEMAIL_HOST = "127.0.0.1"\nEMAIL_PORT = ${relay.port}\nEMAIL_USE_TLS = True\nEMAIL_HOST_USER = "${USER}"\n`);
	await copyFile(join(FIXTURES, 'secrets', 'zulip-generated.conf'), secrets);
	await writeFile(secrets, `${await readFile(secrets, 'utf8')}email_password = ${PASSWORD}\n`);
	return {deployment: await writeSandboxDeployment(dir, {settings, secrets, caFile: pki.caFile})};
}

async function relay(options: Partial<Parameters<typeof startSmtpServer>[0]> = {}): Promise<TestSmtpServer> {
	const server = await startSmtpServer({tls: 'starttls', pki, users: {[USER]: PASSWORD}, greetingDelay: false, ...options});
	servers.push(server);
	return server;
}

describe('manage.py send_test_email, run and read', () => {
	test('the stand-in sends Zulip\'s two mails, each as send_test_email does; the verdict is Zulip\'s success line', async () => {
		const server = await relay();
		const {deployment} = await serverWithStandIn(server);
		const result = await confirmWithZulip({deployment, to: ADMIN, identity: self, password: PASSWORD});
		assert.equal(result.outcome, 'sent', JSON.stringify(result));
		assert.equal(result.ok, true);
		assert.equal(result.senders[0], ADMIN);
		assert.match(result.senders[1]!, /^noreply-[a-z2-7]{24}@chat\.example\.org$/);
		assert.deepEqual(server.messages.map(message => [message.subject, message.envelopeFrom]), [['Zulip email test', ADMIN], ['Zulip noreply email test', result.senders[1]]]);
		assert.ok(server.auths.every(auth => auth.ok && auth.username === USER));
	});

	test('a refused sender: failed, with Zulip\'s own words, and nothing from the SMTP log', async () => {
		const server = await relay({rejectSender: address => (address.startsWith('noreply-') ? '553 5.7.1 Sender address rejected: not owned by user' : undefined)});
		const {deployment} = await serverWithStandIn(server);
		const result = await confirmWithZulip({deployment, to: ADMIN, identity: self, password: PASSWORD});
		assert.equal(result.outcome, 'failed');
		assert.equal(result.exitCode, 1);
		assert.match(result.reason ?? '', /^Failed to send mails: .*553.*not owned by user/);
		assert.ok(!result.tail.some(line => /SMTP log|AUTH/.test(line)), result.tail.join('\n'));
	});

	test('a manage.py that hangs ends at the deadline, its whole process group killed', async () => {
		const deployment = await mkdtemp(join(root, 'hangs-'));
		const marker = join(deployment, 'child-alive');
		// The child it starts must die with it: its own process group is killed.
		await writeFile(join(deployment, 'manage.py'), `#!/bin/sh\n(sleep 37.25; touch ${marker}) &\nsleep 37.25\n`, {mode: 0o755});
		const result = await confirmWithZulip({deployment, to: ADMIN, identity: self, timeoutMs: 300});
		assert.equal(result.outcome, 'timeout');
		assert.equal(result.ok, false);
		const {stdout} = await run('sh', ['-c', `ps -eo args | grep -c "[s]leep 37.25" || true`]);
		assert.equal(stdout.trim(), '0', 'no sleep left running');
	});

	test('the environment is scrubbed: no password variable, no sudo variables; the output is masked', async () => {
		const deployment = await mkdtemp(join(root, 'env-'));
		await writeFile(join(deployment, 'manage.py'), `#!/bin/sh\nenv\necho "the server echoed ${PASSWORD}"\necho "Successfully sent 2 emails to $2!"\n`, {mode: 0o755});
		process.env.ZULIP_EMAIL_PASSWORD = PASSWORD;
		process.env.SUDO_USER = 'someone';
		try {
			const result = await confirmWithZulip({deployment, to: ADMIN, identity: self, password: PASSWORD});
			assert.equal(result.outcome, 'sent');
			const text = result.tail.join('\n');
			assert.doesNotMatch(text, /ZULIP_EMAIL_PASSWORD|SUDO_USER/);
			assert.ok(!text.includes(PASSWORD), text);
			assert.match(text, /the server echoed \*+/);
		} finally {
			delete process.env.ZULIP_EMAIL_PASSWORD;
			delete process.env.SUDO_USER;
		}
	});

	test('as root it runs as the zulip user from /etc/passwd, never as root; without one it refuses', async () => {
		const passwd = join(root, 'passwd');
		await writeFile(passwd, 'root:x:0:0:root:/root:/bin/bash\nzulip:x:999:998:Zulip:/home/zulip:/bin/bash\n');
		assert.deepEqual(zulipIdentity(0, passwd), {uid: 999, gid: 998, name: 'zulip'});
		await writeFile(passwd, 'root:x:0:0:root:/root:/bin/bash\nzulip:x:0:0:evil twin:/root:/bin/bash\n');
		assert.ok('refused' in zulipIdentity(0, passwd), 'a zulip entry with uid 0 is root');
		await writeFile(passwd, 'root:x:0:0:root:/root:/bin/bash\n');
		assert.match((zulipIdentity(0, passwd) as {refused: string}).refused, /no zulip user/);
		assert.deepEqual(zulipIdentity(1000, passwd), {self: true, name: 'uid 1000'});
	});

	test('--confirm-with-zulip needs --to', () => {
		assert.throws(() => parseOptions(['--confirm-with-zulip']), /needs --to/);
	});
});

test('the sandbox: --confirm-with-zulip runs the stand-in after the restart, and Zulip\'s two mails reach the relay', async () => {
	const dir = join(await mkdtemp(join(root, 'sandbox-')), 'kept');
	await mkdir(dir);
	const {stdout, stderr} = await run(process.execPath, [bin, '--sandbox', '--non-interactive', '--json', '--sandbox-dir', dir, '--confirm-with-zulip', '--to', 'admin@zulip.sandbox.test'], {cwd: root});
	const report = JSON.parse(stdout) as {ok: boolean; restart: {ok: boolean}; zulipConfirm: {ok: boolean; outcome: string; senders: string[]}; sandbox: {received: Array<{subject: string; envelopeFrom: string}>; relay: {password?: string}}};
	assert.equal(report.ok, true, stderr);
	assert.equal(report.restart.ok, true);
	assert.equal(report.zulipConfirm.outcome, 'sent');
	// The live test's three, then send_test_email's two from the stand-in.
	assert.deepEqual(report.sandbox.received.slice(3).map(mail => mail.subject), ['Zulip email test', 'Zulip noreply email test']);
	assert.deepEqual(report.sandbox.received.slice(3).map(mail => mail.envelopeFrom), report.zulipConfirm.senders);
	assert.match(stderr + stdout, /zulip-deployment\/manage\.py send_test_email admin@zulip\.sandbox\.test/);
});
