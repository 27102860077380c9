import {visibleControls} from './shown-text.js';

/** How much a finding matters: `error` means mail is likely rejected or filtered as spam. */
export type FindingSeverity = 'error' | 'warning' | 'ok' | 'info';

/** Every deliverability finding: a stable id, the standard it follows (RFC 7208 SPF, RFC 6376 DKIM, RFC 7489 and RFC 9989 DMARC), its severity, and the general fix (each finding carries the exact one). README "Will the mail land in the inbox?" is generated from this. */
export const FINDINGS = {
	'spf-ok': {rfc: 'RFC 7208', severity: 'ok', meaning: 'The domain has one valid SPF record within the 10-lookup limit that authorises the provider.', fix: 'Nothing.'},
	'spf-missing': {rfc: 'RFC 7208', severity: 'error', meaning: 'The domain Zulip sends from has no SPF record, so receivers cannot tell the provider may send for it.', fix: 'Publish the TXT record shown (v=spf1 include:<provider> ~all).'},
	'spf-multiple-records': {rfc: 'RFC 7208 §4.5', severity: 'error', meaning: 'The domain has more than one v=spf1 record: SPF fails with a permanent error (RFC 7208 §4.5).', fix: 'Merge them into the one record shown and delete the others.'},
	'spf-syntax': {rfc: 'RFC 7208 §12', severity: 'error', meaning: 'The SPF record (or one it includes) does not parse: SPF fails with a permanent error.', fix: 'Correct the term named in the finding.'},
	'spf-include-missing': {rfc: 'RFC 7208 §5.2', severity: 'error', meaning: 'The SPF record includes a domain that has no SPF record: SPF fails with a permanent error (RFC 7208 §5.2).', fix: 'Remove or correct that include: term.'},
	'spf-too-many-lookups': {rfc: 'RFC 7208 §4.6.4', severity: 'error', meaning: 'Evaluating the SPF record needs more than 10 DNS lookups (include, a, mx, ptr, exists, redirect, counted through includes): SPF fails with a permanent error (RFC 7208 §4.6.4).', fix: 'Remove includes of services you no longer use, or replace a/mx/ptr terms with ip4:/ip6: ranges.'},
	'spf-void-lookups': {rfc: 'RFC 7208 §4.6.4', severity: 'error', meaning: 'More than two of the lookups the SPF record makes (a, mx, exists, include targets) find nothing: SPF fails with a permanent error for senders no earlier term matches (RFC 7208 §4.6.4).', fix: 'Remove the terms that name domains without records.'},
	'spf-allows-all': {rfc: 'RFC 7208 §5.1', severity: 'warning', meaning: 'The SPF record ends in +all (or includes a record that does): anyone may send as this domain, and receivers distrust it.', fix: 'End the record with ~all or -all.'},
	'spf-provider-not-included': {rfc: 'RFC 7208', severity: 'error', meaning: 'The SPF record does not authorise the provider Zulip sends through: SPF fails for every mail.', fix: "Add the provider's include: term, as in the record shown."},
	'spf-incomplete': {rfc: 'RFC 7208 §2.6.6', severity: 'warning', meaning: 'A DNS question the SPF check needed (the record, an include, an a/mx/exists target) got no answer: the record could not be fully checked, and receivers that meet the same failure return a temporary error (RFC 7208 §2.6.6).', fix: 'Run the check again once those names answer.'},
	'spf-server-not-authorised': {rfc: 'RFC 7208 §4', severity: 'error', meaning: "With the local mail server, SPF evaluated for this server's own address (EXTERNAL_HOST's A/AAAA records) does not pass: receivers see fail, softfail or neutral for Zulip's mail.", fix: "Add this server (a:<host>, or its ip4:/ip6: address) to the domain's SPF record."},
	'spf-return-path': {rfc: 'RFC 7208, RFC 7489 §3.1.2', severity: 'info', meaning: 'The provider sends with its own return-path domain: receivers check SPF there, not on the From domain, and DMARC needs DKIM.', fix: "Publish the provider's return-path and DKIM records for the domain."},
	'dkim-ok': {rfc: 'RFC 6376', severity: 'ok', meaning: "A DKIM key is published under the provider's selector.", fix: 'Nothing.'},
	'dkim-missing': {rfc: 'RFC 6376, RFC 7489 §3.1.1', severity: 'warning', meaning: "No DKIM key is published under the provider's selectors: mail is signed for the provider's domain, not yours, and cannot align for DMARC.", fix: 'Turn on DKIM for the domain at the provider and publish the records it shows.'},
	'dkim-invalid': {rfc: 'RFC 6376', severity: 'warning', meaning: 'A record exists under the selector but holds no usable key (revoked, malformed, unknown key type).', fix: 'Publish the key exactly as the provider shows it.'},
	'dkim-unchecked': {rfc: 'RFC 6376', severity: 'info', meaning: 'The provider names DKIM selectors per account, so none was checked.', fix: 'Pass --dkim-selector NAME with the selector the provider shows.'},
	'dmarc-ok': {rfc: 'RFC 7489, RFC 9989', severity: 'ok', meaning: 'A valid DMARC record with an enforcing policy (quarantine or reject) governs the domain.', fix: 'Nothing.'},
	'dmarc-missing': {rfc: 'RFC 7489, RFC 9989', severity: 'warning', meaning: 'No DMARC record governs the domain; Gmail and Yahoo require one from bulk senders.', fix: 'Publish a TXT record at _dmarc.<domain> (v=DMARC1; p=none; rua=mailto:…), then raise the policy.'},
	'dmarc-policy-none': {rfc: 'RFC 7489, RFC 9989', severity: 'warning', meaning: 'The DMARC policy is p=none: it only monitors, so forged mail from the domain is still delivered.', fix: 'When the reports show your mail aligned, raise it to p=quarantine or p=reject.'},
	'dmarc-sloppy': {rfc: 'RFC 7489 §6.3', severity: 'warning', meaning: 'The DMARC record has parts receivers skip (a bad pct=, adkim=, aspf=, a malformed entry, a non-URI rua entry, a leading space); they apply the rest with defaults (RFC 7489 §6.3).', fix: 'Publish the clean record shown.'},
	'dmarc-rfc9989': {rfc: 'RFC 9989', severity: 'info', meaning: 'RFC 9989 (DMARCbis) gives another answer than RFC 7489 for this record: t=y is test mode, pct= is gone, np= covers subdomains that do not exist.', fix: 'Decide which behaviour you want; with t=y, remove it once reports show your mail aligned.'},
	'dmarc-syntax': {rfc: 'RFC 7489, RFC 9989', severity: 'warning', meaning: 'The DMARC record is invalid (or there are several), so receivers ignore it.', fix: 'Publish one valid record, as shown.'},
	'dmarc-nothing-aligned': {rfc: 'RFC 7489 §3.1, RFC 9989', severity: 'error', meaning: 'The DMARC policy is quarantine or reject, and neither SPF nor DKIM for the provider aligns with the From domain: receivers will quarantine or reject the mail.', fix: "Fix the domain's SPF or DKIM finding; either one aligned is enough."},
	'mx-ok': {rfc: 'RFC 5321 §5.1, RFC 7505', severity: 'ok', meaning: "The administrator's domain has MX records: replies to the support address arrive.", fix: 'Nothing.'},
	'mx-missing': {rfc: 'RFC 5321 §5.1, RFC 7505', severity: 'warning', meaning: "The administrator's domain has no MX record (or a null MX): replies to Zulip's mail bounce.", fix: 'Publish MX records for the mailbox that holds the administrator address.'},
	'from-domain-unusable': {rfc: 'RFC 1035 §2.3.4, RFC 5322', severity: 'error', meaning: "A From address's domain is not a usable domain name (a label over 63 characters, a single label, an empty label, an address literal): nothing can be published for it, and receivers refuse or distrust such mail.", fix: 'Use a From address at a domain you publish DNS records for.'},
	'provider-domain': {rfc: '—', severity: 'info', meaning: 'The From domain belongs to the provider (gmail.com, outlook.com…), which publishes and signs for it.', fix: 'Nothing.'},
	'dns-unreachable': {rfc: 'RFC 1035', severity: 'error', meaning: 'The resolver gave no answer within the deadline (or failed), so these checks could not be made.', fix: "Check this server's DNS (/etc/resolv.conf), or name a resolver it may use with --dns-server HOST[:PORT]."},
} as const satisfies Record<string, {rfc: string; severity: FindingSeverity; meaning: string; fix: string}>;

export type FindingId = keyof typeof FINDINGS;

/** One finding, as both faces and the JSON show it. */
export interface Finding {
	readonly id: FindingId;
	readonly severity: FindingSeverity;
	readonly domain: string;
	/** What was found, in a sentence. */
	readonly message: string;
	/** The exact change to make (the record to publish); null when nothing is to do. */
	readonly fix: string | null;
	/** The record as seen in DNS; null when there was none. */
	readonly record: string | null;
}

export function finding(id: FindingId, domain: string, message: string, fix: string | null = null, record: string | null = null): Finding {
	// Records and names come from DNS, anyone's to write: no escape sequence of theirs reaches a terminal.
	const shown = (text: string | null) => (text === null ? null : visibleControls(text));
	return {id, severity: FINDINGS[id].severity, domain: visibleControls(domain), message: visibleControls(message), fix: shown(fix), record: shown(record)};
}
