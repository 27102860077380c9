import {execFile} from 'node:child_process';
import {environmentWithoutPassword} from '../engine/password-input.js';
import {generateKeyPairSync, randomBytes} from 'node:crypto';
import {mkdir, readFile, rm, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {ExitCode, WizardError} from '../engine/errors.js';

const run = promisify(execFile);

/** The session's throwaway PKI: a CA the wizard is told to trust (--ca-file) and the relay's certificate. */
export interface SessionCertificate {
	/** The CA certificate, PEM, written into the sandbox: what --ca-file points at. */
	readonly caFile: string;
	readonly caPem: string;
	/** The relay's certificate and key, PEM; the key is never left on disk. */
	readonly certPem: string;
	readonly keyPem: string;
}

/**
 * A config of our own, so the system's openssl.cnf (and any RANDFILE in
 * HOME it names) plays no part: the sandbox writes only inside its directory.
 */
const OPENSSL_CONFIG = `[req]
distinguished_name = subject
prompt = no

[subject]
CN = zulip-email-setup sandbox

[sandbox_ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[sandbox_relay]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

function ecKey(): string {
	return generateKeyPairSync('ec', {namedCurve: 'prime256v1'}).privateKey.export({type: 'pkcs8', format: 'pem'}).toString();
}

/**
 * Make a CA and a certificate for 127.0.0.1/localhost signed by it, valid for
 * a week. Keys come from node:crypto; the X.509 signing is done by the
 * openssl CLI (Node cannot issue certificates), with every file it touches
 * inside `dir`. The CA's private key is deleted as soon as it has signed: a
 * kept sandbox must not hold a key that could mint more certificates.
 */
export async function createSessionCertificate(dir: string, options: {signal?: AbortSignal; openssl?: string} = {}): Promise<SessionCertificate> {
	const work = join(dir, '.relay-pki');
	await rm(work, {recursive: true, force: true});
	await mkdir(work, {mode: 0o700});
	const path = (name: string) => join(work, name);
	const caFile = join(dir, 'relay-ca.pem');
	const openssl = options.openssl ?? 'openssl';
	const env = {...environmentWithoutPassword(), OPENSSL_CONF: path('openssl.cnf'), RANDFILE: path('.rnd')};
	const openssl_ = async (args: string[]) => {
		try {
			await run(openssl, args, {env, signal: options.signal, cwd: work});
		} catch (error) {
			if (options.signal?.aborted) throw error;
			const code = (error as NodeJS.ErrnoException).code;
			if (code === 'ENOENT') {
				throw new WizardError(ExitCode.config, 'The sandbox needs the openssl command to make its relay certificate, and it is not installed.', 'Install it (apt install openssl, dnf install openssl, brew install openssl) and run again.', 'sandbox-openssl');
			}

			const stderr = String((error as {stderr?: unknown}).stderr ?? '').trim().split('\n').slice(-3).join(' ');
			throw new WizardError(ExitCode.config, `openssl could not make the sandbox certificate: ${stderr || (error as Error).message}`, 'Check that openssl works (openssl version); the sandbox needs it only for this step.', 'sandbox-openssl');
		}
	};

	try {
		const caKey = ecKey();
		const relayKey = ecKey();
		await writeFile(path('openssl.cnf'), OPENSSL_CONFIG);
		await writeFile(path('ca-key.pem'), caKey, {mode: 0o600});
		await writeFile(path('relay-key.pem'), relayKey, {mode: 0o600});
		const serial = () => '0x' + randomBytes(16).toString('hex').replace(/^./, '1');
		await openssl_(['req', '-new', '-x509', '-config', path('openssl.cnf'), '-key', path('ca-key.pem'), '-sha256', '-days', '7', '-set_serial', serial(), '-subj', '/O=zulip-email-setup sandbox/CN=Sandbox relay CA (throwaway)', '-extensions', 'sandbox_ca', '-out', caFile]);
		await openssl_(['req', '-new', '-config', path('openssl.cnf'), '-key', path('relay-key.pem'), '-subj', '/O=zulip-email-setup sandbox/CN=localhost', '-out', path('relay.csr')]);
		await openssl_(['x509', '-req', '-in', path('relay.csr'), '-CA', caFile, '-CAkey', path('ca-key.pem'), '-set_serial', serial(), '-sha256', '-days', '7', '-extfile', path('openssl.cnf'), '-extensions', 'sandbox_relay', '-out', path('relay.pem')]);
		const [caPem, certPem] = await Promise.all([readFile(caFile, 'utf8'), readFile(path('relay.pem'), 'utf8')]);
		return {caFile, caPem, certPem, keyPem: relayKey};
	} finally {
		// Keys and scratch files go; relay-ca.pem stays for --ca-file and inspection.
		await rm(work, {recursive: true, force: true});
	}
}
