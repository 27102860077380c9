import {readFile} from 'node:fs/promises';
import tls from 'node:tls';

/**
 * Where Debian/Ubuntu (Zulip's platforms) and other distributions keep the
 * system trust store as one PEM bundle. Python's ssl reads this, so Django
 * trusts exactly these, including CAs an admin added with update-ca-certificates.
 */
const systemBundles = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem'];

const contexts = new Map<string, Promise<tls.SecureContext>>();

async function systemRoots(): Promise<string | readonly string[]> {
	// OpenSSL (and so Python) honours SSL_CERT_FILE before its default path.
	const candidates = [process.env['SSL_CERT_FILE'], ...systemBundles].filter((path): path is string => Boolean(path));
	for (const path of candidates) {
		try {
			const pem = await readFile(path, 'utf8');
			if (pem.includes('BEGIN CERTIFICATE')) return pem;
		} catch {
			// Try the next location.
		}
	}

	// No system bundle: Node's built-in Mozilla list is the same set Debian ships.
	return tls.rootCertificates;
}

/**
 * The TLS trust the live test verifies against: the system store plus an
 * optional extra CA. Built once per CA file: parsing a few hundred roots on
 * every connection would cost more than the handshake itself.
 */
export function secureContextFor(caFile?: string): Promise<tls.SecureContext> {
	const key = caFile ?? '';
	let context = contexts.get(key);
	if (!context) {
		context = (async () => {
			const roots = await systemRoots();
			const ca: string[] = typeof roots === 'string' ? [roots] : [...roots];
			if (caFile) {
				let extra: string;
				try {
					extra = await readFile(caFile, 'utf8');
				} catch (error) {
					throw new Error(`Cannot read the CA file ${caFile}: ${(error as Error).message}`);
				}

				if (!extra.includes('BEGIN CERTIFICATE')) throw new Error(`The CA file ${caFile} holds no PEM certificate.`);
				ca.push(extra);
			}

			return tls.createSecureContext({ca});
		})();
		contexts.set(key, context);
		// A failed read must not be remembered: the admin may fix the file and retry.
		context.catch(() => contexts.delete(key));
	}

	return context;
}
