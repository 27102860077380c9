import type {Sender} from '../smtp/types.js';
import {tokenizedAddress} from '../smtp/noreply.js';
import {zulipBehaviour, type ZulipVersion} from '../zulip/version-file.js';
import {addressPart, type CurrentConfig} from './current-config.js';

/** Python's str(Address(display_name="Zulip", addr_spec=…)), as build_email writes the From header. */
const fromZulip = (address: string) => `Zulip <${address}>`;

/**
 * Every envelope sender Zulip uses with this configuration, deduplicated, in
 * the order default, noreply-plain, noreply-tokenized. This one function is
 * what the live test checks and what any other check of "the From domains
 * Zulip sends with" (DNS, SPF) should read.
 *
 * - default: parseaddr(ZULIP_ADMINISTRATOR)[1], send_test_email's first mail.
 * - noreply-plain: parseaddr(NOREPLY_EMAIL_ADDRESS)[1]. Since Zulip 4.0 it is
 *   the MAIL FROM of every templated mail (invitations, resets,
 *   notifications, digests) whatever the From header says, so its test mail
 *   has that shape: From "Zulip <noreply-…@…>", envelope the plain address.
 * - noreply-tokenized: parseaddr(TOKENIZED_NOREPLY_EMAIL_ADDRESS)[1] with a
 *   fresh token, when ADD_TOKENS_TO_NOREPLY_ADDRESS is on: send_test_email's
 *   second mail. With tokens off Zulip uses the plain address instead, which
 *   the deduplication folds in.
 */
export function zulipSenders(current: CurrentConfig, options: {token?: string; version?: ZulipVersion | null} = {}): Sender[] {
	const {noreplyEnvelope} = zulipBehaviour(options.version ?? null);
	const plain = current.noreplyAddress ? addressPart(current.noreplyAddress) : null;
	const tokenized = current.tokens && current.tokenizedTemplate ? tokenizedAddress(current.tokenizedTemplate, options.token) : plain;
	const candidates: Sender[] = [];
	if (current.administrator) candidates.push({role: 'default', address: current.administrator});
	if (plain) {
		// Before 4.0 the envelope was the From address itself: the plain noreply then only sends as itself.
		const header = noreplyEnvelope && tokenized ? tokenized : plain;
		candidates.push({role: 'noreply-plain', address: plain, fromHeader: fromZulip(header)});
	}

	if (tokenized) candidates.push({role: 'noreply-tokenized', address: tokenized});
	const seen = new Set<string>();
	return candidates.filter(sender => {
		const key = sender.address.toLowerCase();
		if (seen.has(key)) return false;
		seen.add(key);
		return true;
	});
}

/** The domains of those senders, lower-case, deduplicated: what the relay and DNS must accept mail from. */
export function senderDomains(senders: readonly Sender[]): string[] {
	const domains = senders.map(sender => sender.address.slice(sender.address.lastIndexOf('@') + 1).toLowerCase()).filter(Boolean);
	return [...new Set(domains)];
}
