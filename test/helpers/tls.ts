/**
 * Throwaway TLS material for tests, made at test time with the openssl CLI
 * (Node can make keys but not certificates): a CA, and certificates signed by
 * it for 127.0.0.1/::1/localhost (good), already expired, and for another
 * name only (wrong host). Everything lives in one temp dir; nothing from the
 * system's openssl.cnf is read.
 *
 *   const pki = await createTestPki();
 *   pki.caFile            // PEM of the CA: what --ca-file points at
 *   pki.good.cert/key     // PEM, valid for 127.0.0.1, ::1, localhost
 *   pki.expired, pki.wrongHost
 *   await pki.cleanup();
 */
import {execFile} from 'node:child_process';
import {generateKeyPairSync} from 'node:crypto';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';

const run = promisify(execFile);

export interface KeyAndCert {
	/** PEM private key. */
	key: string;
	/** PEM certificate. */
	cert: string;
}

export interface TestPki {
	dir: string;
	/** Path of the CA certificate (PEM). */
	caFile: string;
	caPem: string;
	/** For 127.0.0.1, ::1 and localhost, signed by the CA, valid for a week. */
	good: KeyAndCert;
	/** Same names, signed by the CA, but its validity ended a day ago. */
	expired: KeyAndCert;
	/** Signed by the CA, valid, but only for mail.other.invalid. */
	wrongHost: KeyAndCert;
	cleanup(): Promise<void>;
}

const config = `[req]
distinguished_name = subject
prompt = no

[subject]
CN = zulip-email-setup test CA

[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[loopback]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, IP:::1, DNS:localhost

[other]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:mail.other.invalid
`;

function ecKey(): string {
	return generateKeyPairSync('ec', {namedCurve: 'prime256v1'}).privateKey.export({type: 'pkcs8', format: 'pem'}).toString();
}

export async function createTestPki(): Promise<TestPki> {
	const dir = await mkdtemp(join(tmpdir(), 'smtp-test-pki-'));
	const path = (name: string) => join(dir, name);
	const env = {...process.env, OPENSSL_CONF: path('openssl.cnf')};
	const openssl = (args: string[]) => run('openssl', args, {env});
	await writeFile(path('openssl.cnf'), config);
	await writeFile(path('ca.key'), ecKey(), {mode: 0o600});
	await openssl(['req', '-config', path('openssl.cnf'), '-x509', '-new', '-key', path('ca.key'), '-days', '7', '-extensions', 'ca', '-out', path('ca.crt')]);

	const issue = async (name: string, commonName: string, extensions: string, days: string): Promise<KeyAndCert> => {
		const key = ecKey();
		await writeFile(path(`${name}.key`), key, {mode: 0o600});
		await openssl(['req', '-config', path('openssl.cnf'), '-new', '-key', path(`${name}.key`), '-subj', `/CN=${commonName}`, '-out', path(`${name}.csr`)]);
		// -days -1 puts notAfter a day before notBefore: a certificate that has expired.
		await openssl(['x509', '-req', '-in', path(`${name}.csr`), '-CA', path('ca.crt'), '-CAkey', path('ca.key'), '-set_serial', String(Date.now() % 1_000_000_000), '-days', days, '-extfile', path('openssl.cnf'), '-extensions', extensions, '-out', path(`${name}.crt`)]);
		return {key, cert: await readFile(path(`${name}.crt`), 'utf8')};
	};

	const [good, expired, wrongHost] = await Promise.all([
		issue('good', 'localhost', 'loopback', '7'),
		issue('expired', 'localhost', 'loopback', '-1'),
		issue('wrong-host', 'mail.other.invalid', 'other', '7'),
	]);
	return {
		dir,
		caFile: path('ca.crt'),
		caPem: await readFile(path('ca.crt'), 'utf8'),
		good,
		expired,
		wrongHost,
		cleanup: () => rm(dir, {recursive: true, force: true}),
	};
}

/**
 * A certificate signed by its own key (no CA at all) for 127.0.0.1/::1/localhost,
 * as a relay set up in a hurry serves: what "self-signed" means to OpenSSL
 * (DEPTH_ZERO_SELF_SIGNED_CERT), unlike the test CA's certificates.
 */
export async function createSelfSigned(): Promise<KeyAndCert> {
	const dir = await mkdtemp(join(tmpdir(), 'smtp-test-self-'));
	const path = (name: string) => join(dir, name);
	try {
		await writeFile(path('openssl.cnf'), config);
		await writeFile(path('self.key'), ecKey(), {mode: 0o600});
		await run('openssl', ['req', '-config', path('openssl.cnf'), '-x509', '-new', '-key', path('self.key'), '-subj', '/CN=localhost', '-days', '7', '-extensions', 'loopback', '-out', path('self.crt')], {env: {...process.env, OPENSSL_CONF: path('openssl.cnf')}});
		return {key: await readFile(path('self.key'), 'utf8'), cert: await readFile(path('self.crt'), 'utf8')};
	} finally {
		await rm(dir, {recursive: true, force: true});
	}
}
