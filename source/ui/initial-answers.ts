import type {Options} from '../args.js';
import {UsageError} from '../engine/errors.js';
import {isProviderId, PROVIDER_IDS} from '../engine/providers.js';
import {parsePort} from '../engine/validate.js';
import type {InitialAnswers} from './flow.js';

/**
 * Flags given to the interactive wizard become its starting answers: the
 * questions are still asked, with these preselected. A malformed flag is a
 * usage error before the first frame, exactly as in --non-interactive.
 */
export function initialAnswersFromFlags(options: Options): InitialAnswers {
	const {provider} = options;
	if (provider !== undefined && !isProviderId(provider)) throw new UsageError(`Unknown --provider "${provider}".`, `Use one of: ${PROVIDER_IDS.join(', ')}.`);
	let port: number | undefined;
	if (options.port !== undefined) {
		port = parsePort(options.port);
		if (port === undefined) throw new UsageError(`--port must be a whole number from 1 to 65535, not "${options.port}".`);
	}

	const {security} = options;
	if (security !== undefined && security !== 'starttls' && security !== 'ssl' && security !== 'none') {
		throw new UsageError(`--security must be starttls, ssl or none, not "${security}".`);
	}

	return {
		providerId: provider,
		region: options.region,
		host: options.host,
		port,
		security,
		username: options.username,
		noreplyAddress: options.noreply,
		tokens: options.tokens ? true : options['no-tokens'] ? false : undefined,
		filePath: options['file-path'],
		to: options.to,
	};
}

/** --timeout in milliseconds (default 10 s per SMTP step). */
export function timeoutFromFlags(options: Options): number | undefined {
	if (options.timeout === undefined) return undefined;
	const seconds = Number(options.timeout);
	if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) throw new UsageError(`--timeout must be a number of seconds from 0 to 600, not "${options.timeout}".`);
	return Math.round(seconds * 1000);
}
