import wellKnownServices from 'nodemailer/lib/well-known/services.json' with {type: 'json'};
import type {Security} from '../smtp/types.js';

/**
 * The provider catalog. Hosts and ports come from nodemailer's well-known
 * service list wherever it knows the relay; what only we know (Zulip's
 * recommendations, usernames, quotas, alternative ports) is added here.
 */
export const PROVIDER_IDS = [
	'mailgun',
	'sendgrid',
	'ses',
	'gmail',
	'postmark',
	'brevo',
	'mailjet',
	'smtp2go',
	'office365',
	'zoho',
	'fastmail',
	'resend',
	'local',
	'file',
	'custom',
] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

export interface Endpoint {
	readonly port: number;
	readonly security: Security;
}

export interface Provider {
	readonly id: ProviderId;
	/** Name shown in the list. */
	readonly name: string;
	/** One line shown under the name. */
	readonly summary: string;
	/** 'smtp' relays, the local MTA, or Django's file backend. */
	readonly kind: 'smtp' | 'file';
	/** Host, or undefined when the admin must type it (custom) or pick a region (SES). */
	readonly host?: string;
	/** The endpoint we recommend, first; then the alternatives the relay also offers. */
	readonly endpoints: readonly Endpoint[];
	/** Fixed username (SendGrid's `apikey`), if any. */
	readonly fixedUsername?: string;
	/** What to type as username, in the admin's words. */
	readonly usernameHint?: string;
	/** What to type as password, in the admin's words. */
	readonly passwordHint?: string;
	/** Whether this provider authenticates at all. */
	readonly needsAuth: boolean;
	/** Regions, for providers with per-region hosts (SES). */
	readonly regions?: readonly Region[];
	/** Hosts that identify this provider when reading an existing configuration. */
	readonly hostPattern?: RegExp;
	/** Extra advice worth a line in the wizard. */
	readonly notes?: readonly string[];
}

export interface Region {
	readonly id: string;
	readonly name: string;
	readonly host: string;
}

type WellKnown = {host?: string; port?: number | string; secure?: boolean; description?: string};
const services = wellKnownServices as Record<string, WellKnown>;

function known(key: string): {host: string; endpoint: Endpoint} {
	const service = services[key];
	if (!service?.host || service.port === undefined) {
		// The catalog is checked by a test against every nodemailer upgrade.
		throw new Error(`nodemailer no longer knows the service ${key}`);
	}

	const port = Number(service.port);
	return {host: service.host, endpoint: {port, security: securityFor(service.secure)}};
}

/** nodemailer's `secure: false` means "STARTTLS if offered"; for a relay we always demand it, as Django's EMAIL_USE_TLS does. */
function securityFor(secure: boolean | undefined): Security {
	if (secure) return 'ssl';
	return 'starttls';
}

function withAlternatives(first: Endpoint, ...others: Endpoint[]): Endpoint[] {
	const all = [first, ...others];
	return all.filter((endpoint, index) => all.findIndex(other => other.port === endpoint.port) === index);
}

const starttls = (port: number): Endpoint => ({port, security: 'starttls'});
const ssl = (port: number): Endpoint => ({port, security: 'ssl'});

/**
 * Amazon SES's SMTP endpoints, region by region, as AWS's General Reference
 * lists them ("Amazon Simple Email Service endpoints and quotas", SMTP
 * endpoints). nodemailer's list stops at the older regions (no Milan,
 * Bahrain, Cape Town, Jakarta, Tel Aviv, Calgary…), so the catalog keeps its
 * own; a region AWS adds later can still be typed (see regionFor).
 */
const SES_SMTP_REGIONS: ReadonlyArray<readonly [id: string, name: string]> = [
	['us-east-2', 'US East (Ohio)'],
	['us-east-1', 'US East (N. Virginia)'],
	['us-west-1', 'US West (N. California)'],
	['us-west-2', 'US West (Oregon)'],
	['af-south-1', 'Africa (Cape Town)'],
	['ap-south-2', 'Asia Pacific (Hyderabad)'],
	['ap-southeast-3', 'Asia Pacific (Jakarta)'],
	['ap-south-1', 'Asia Pacific (Mumbai)'],
	['ap-northeast-3', 'Asia Pacific (Osaka)'],
	['ap-northeast-2', 'Asia Pacific (Seoul)'],
	['ap-southeast-1', 'Asia Pacific (Singapore)'],
	['ap-southeast-2', 'Asia Pacific (Sydney)'],
	['ap-northeast-1', 'Asia Pacific (Tokyo)'],
	['ca-central-1', 'Canada (Central)'],
	['ca-west-1', 'Canada West (Calgary)'],
	['eu-central-1', 'Europe (Frankfurt)'],
	['eu-west-1', 'Europe (Ireland)'],
	['eu-west-2', 'Europe (London)'],
	['eu-south-1', 'Europe (Milan)'],
	['eu-west-3', 'Europe (Paris)'],
	['eu-north-1', 'Europe (Stockholm)'],
	['il-central-1', 'Israel (Tel Aviv)'],
	['me-south-1', 'Middle East (Bahrain)'],
	['me-central-1', 'Middle East (UAE)'],
	['sa-east-1', 'South America (São Paulo)'],
	['us-gov-east-1', 'AWS GovCloud (US-East)'],
	['us-gov-west-1', 'AWS GovCloud (US-West)'],
];

const sesHost = (region: string) => `email-smtp.${region}.amazonaws.com`;

function sesRegions(): Region[] {
	return SES_SMTP_REGIONS.map(([id, name]) => ({id, name, host: sesHost(id)}));
}

/** An AWS region name as AWS spells them: eu-south-1, us-gov-west-1, ap-southeast-3. */
const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;

/**
 * The region an id names: one of the catalog's, or, for a region AWS opened
 * after this list was written, one built from its name (SES's SMTP hosts all
 * follow email-smtp.<region>.amazonaws.com). Undefined when the id cannot be
 * an AWS region at all.
 */
export function regionFor(provider: Provider, id: string | undefined): Region | undefined {
	if (!provider.regions || id === undefined) return undefined;
	const normalized = id.trim().toLowerCase();
	const known = provider.regions.find(candidate => candidate.id === normalized);
	if (known) return known;
	if (provider.id !== 'ses' || !AWS_REGION.test(normalized)) return undefined;
	return {id: normalized, name: normalized, host: sesHost(normalized)};
}

/** Whether a region is one the catalog lists (a typed one works but is not vouched for). */
export function isListedRegion(provider: Provider, id: string): boolean {
	return provider.regions?.some(candidate => candidate.id === id) ?? false;
}

/**
 * What to say about a region AWS may have opened after this list was written: it is used as typed,
 * and the live test is what proves its host exists. Undefined for a listed region (or no region).
 */
export function unlistedRegionNote(provider: Provider, id: string | undefined): string | undefined {
	const region = regionFor(provider, id);
	if (!region || isListedRegion(provider, region.id)) return undefined;
	return `${region.id} is not among the ${provider.regions?.length ?? 0} ${provider.name} SMTP regions this version lists; it is used as typed (${region.host}), and the live test shows whether that host exists.`;
}

/** What is wrong with a region answer, in words that name the known ones. */
export function regionProblem(provider: Provider, id: string): string | undefined {
	if (!provider.regions || regionFor(provider, id)) return undefined;
	return `Unknown region "${id}": not an AWS region name. ${provider.name} sends through: ${provider.regions.map(region => region.id).join(', ')}.`;
}

function build(): Provider[] {
	const mailgun = known('Mailgun');
	const sendgrid = known('SendGrid');
	const gmail = known('Gmail');
	const postmark = known('Postmark');
	const brevo = known('SendinBlue');
	const mailjet = known('Mailjet');
	const smtp2go = known('SMTP2GO');
	const office365 = known('Outlook365');
	const zoho = known('Zoho');
	const fastmail = known('FastMail');
	const resend = known('Resend');
	return [
		{
			id: 'mailgun',
			name: 'Mailgun',
			summary: "Zulip's recommended relay",
			kind: 'smtp',
			host: mailgun.host,
			// Zulip's docs recommend 587 with STARTTLS; nodemailer lists 465.
			endpoints: withAlternatives(starttls(587), mailgun.endpoint, starttls(2525)),
			usernameHint: 'the SMTP login of your sending domain, e.g. postmaster@mg.example.com',
			passwordHint: "the domain's SMTP password (Sending → Domain settings → SMTP credentials)",
			needsAuth: true,
			hostPattern: /(^|\.)mailgun\.org$/i,
			notes: ["A domain in Mailgun's EU region sends through smtp.eu.mailgun.org, not smtp.mailgun.org: change the host if yours is there."],
		},
		{
			id: 'sendgrid',
			name: 'SendGrid',
			summary: 'Twilio SendGrid, API key as password',
			kind: 'smtp',
			host: sendgrid.host,
			endpoints: withAlternatives(sendgrid.endpoint, ssl(465), starttls(2525)),
			fixedUsername: 'apikey',
			usernameHint: 'always the word apikey',
			passwordHint: 'an API key with "Mail Send" permission',
			needsAuth: true,
			hostPattern: /(^|\.)sendgrid\.net$/i,
		},
		{
			id: 'ses',
			name: 'Amazon SES',
			summary: 'per-region host, IAM SMTP credentials',
			kind: 'smtp',
			endpoints: withAlternatives(starttls(587), ssl(465), starttls(2587)),
			usernameHint: 'the SMTP username from SES → SMTP settings → Create SMTP credentials',
			passwordHint: 'the SMTP password created with it, for this same region',
			needsAuth: true,
			regions: sesRegions(),
			// FIPS endpoints (email-smtp-fips.<region>…) are the same service, for US government regions.
			hostPattern: /^email-smtp(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com$/i,
			notes: [
				'SMTP credentials only work in the region they were created for.',
				'The SMTP username starts with AKIA, like an IAM access key ID, but an access key and its secret do not log in: use the pair SES made for SMTP.',
			],
		},
		{
			id: 'gmail',
			name: 'Gmail',
			summary: 'a dedicated account with an app password; ~100 mails a day',
			kind: 'smtp',
			host: gmail.host,
			endpoints: withAlternatives(starttls(587), gmail.endpoint),
			usernameHint: 'the full Gmail address of a dedicated account',
			passwordHint: 'a 16-letter app password (needs 2-Step Verification), not the account password',
			needsAuth: true,
			hostPattern: /^smtp\.gmail\.com$/i,
			notes: ['Gmail sends every mail From the account itself (or an alias added under "Send mail as"), whatever Zulip\'s From says, and allows about 100 mails a day.'],
		},
		{
			id: 'postmark',
			name: 'Postmark',
			summary: 'server API token as username and password',
			kind: 'smtp',
			host: postmark.host,
			endpoints: withAlternatives(starttls(587), postmark.endpoint, starttls(25)),
			usernameHint: 'the Server API token',
			passwordHint: 'the same Server API token',
			needsAuth: true,
			hostPattern: /(^|\.)postmarkapp\.com$/i,
		},
		{
			id: 'brevo',
			name: 'Brevo',
			summary: 'formerly Sendinblue',
			kind: 'smtp',
			host: brevo.host,
			endpoints: withAlternatives(brevo.endpoint, ssl(465), starttls(2525)),
			usernameHint: 'the SMTP login shown under SMTP & API (…@smtp-brevo.com)',
			passwordHint: 'an SMTP key (not an API key)',
			needsAuth: true,
			hostPattern: /(^|\.)(brevo|sendinblue)\.com$/i,
		},
		{
			id: 'mailjet',
			name: 'Mailjet',
			summary: 'API key and secret key',
			kind: 'smtp',
			host: mailjet.host,
			endpoints: withAlternatives(mailjet.endpoint, ssl(465), starttls(2525)),
			usernameHint: 'the API key',
			passwordHint: 'the secret key',
			needsAuth: true,
			hostPattern: /(^|\.)mailjet\.com$/i,
		},
		{
			id: 'smtp2go',
			name: 'SMTP2GO',
			summary: 'SMTP user from the SMTP2GO console',
			kind: 'smtp',
			host: smtp2go.host,
			endpoints: withAlternatives(starttls(587), smtp2go.endpoint, ssl(465)),
			usernameHint: 'an SMTP username created under Sending → SMTP Users',
			passwordHint: "that SMTP user's password",
			needsAuth: true,
			hostPattern: /(^|\.)smtp2go\.com$/i,
		},
		{
			id: 'office365',
			name: 'Microsoft 365',
			summary: 'Exchange Online SMTP AUTH',
			kind: 'smtp',
			host: office365.host,
			endpoints: withAlternatives(office365.endpoint),
			usernameHint: 'the mailbox address (SMTP AUTH must be enabled for it)',
			passwordHint: "the mailbox's password or an app password",
			needsAuth: true,
			hostPattern: /^smtp\.office365\.com$/i,
			notes: [
				'The mailbox needs "Send As" permission for the noreply address (or turn tokens off and make NOREPLY_EMAIL_ADDRESS the mailbox itself).',
				'Microsoft has announced the end of password logins (Basic auth) for SMTP AUTH: off by default for existing tenants from the end of December 2026. Zulip can only log in with a password, so plan for a relay service.',
			],
		},
		{
			id: 'zoho',
			name: 'Zoho Mail',
			summary: 'smtp.zoho.com (use smtp.zoho.eu etc. for other data centres)',
			kind: 'smtp',
			host: zoho.host,
			endpoints: withAlternatives(zoho.endpoint, starttls(587)),
			usernameHint: 'the Zoho mailbox address',
			passwordHint: 'an application-specific password',
			needsAuth: true,
			hostPattern: /^smtp(pro)?\.zoho\.[a-z.]+$/i,
		},
		{
			id: 'fastmail',
			name: 'Fastmail',
			summary: 'app password for SMTP',
			kind: 'smtp',
			host: fastmail.host,
			endpoints: withAlternatives(fastmail.endpoint, starttls(587)),
			usernameHint: 'your Fastmail address',
			passwordHint: 'an app password with SMTP access',
			needsAuth: true,
			hostPattern: /(^|\.)fastmail\.com$/i,
		},
		{
			id: 'resend',
			name: 'Resend',
			summary: 'API key as password',
			kind: 'smtp',
			host: resend.host,
			endpoints: withAlternatives(starttls(587), resend.endpoint, starttls(2587)),
			fixedUsername: 'resend',
			usernameHint: 'always the word resend',
			passwordHint: 'a Resend API key',
			needsAuth: true,
			hostPattern: /(^|\.)resend\.com$/i,
		},
		{
			id: 'local',
			name: 'Local mail server (MTA)',
			summary: 'Postfix/Exim on this machine, localhost:25, no TLS, no login',
			kind: 'smtp',
			host: 'localhost',
			endpoints: [{port: 25, security: 'none'}],
			needsAuth: false,
			hostPattern: /^(localhost|127\.0\.0\.1|::1)$/i,
		},
		{
			id: 'file',
			name: 'Log to files (prototyping)',
			summary: 'no mail leaves the server; messages are written to a directory',
			kind: 'file',
			endpoints: [],
			needsAuth: false,
			notes: ['Nobody receives mail in this mode: use it only to try Zulip out.'],
		},
		{
			id: 'custom',
			name: 'Other SMTP server',
			summary: 'any relay: type host, port and TLS mode',
			kind: 'smtp',
			endpoints: [starttls(587), ssl(465), starttls(2525), starttls(25)],
			needsAuth: true,
		},
	];
}

export const PROVIDERS: readonly Provider[] = build();

export function getProvider(id: ProviderId): Provider {
	return PROVIDERS.find(provider => provider.id === id)!;
}

export function isProviderId(value: string): value is ProviderId {
	return (PROVIDER_IDS as readonly string[]).includes(value);
}

/** Which catalog entry a configured host belongs to; custom when none. */
export function recogniseProvider(host: string | null | undefined, user = ''): {providerId: ProviderId; region?: string} {
	if (!host) return {providerId: 'custom'};
	for (const provider of PROVIDERS) {
		// A relay on loopback that wants a login is not the local MTA (an SSH tunnel, a sandbox relay).
		if (provider.id === 'local' && user !== '') continue;
		if (provider.hostPattern?.test(host)) {
			const sesRegion = provider.id === 'ses' ? /^email-smtp(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com$/i.exec(host)?.[1] : undefined;
			return {providerId: provider.id, region: regionFor(provider, sesRegion)?.id};
		}
	}

	return {providerId: 'custom'};
}

/** The host a provider (and region) sends through, if it is fixed. */
export function providerHost(provider: Provider, region?: string): string | undefined {
	if (provider.regions) return regionFor(provider, region)?.host;
	return provider.host;
}

/** Short names of the TLS modes, as both faces print them. */
const SECURITY_NAMES: Record<Security, string> = {ssl: 'SSL/TLS', starttls: 'STARTTLS', none: 'no TLS'};

export function securityName(security: Security): string {
	return SECURITY_NAMES[security];
}

/** The mode that fits a port: 465 is implicit TLS; a mode that does not fit the port gives way to STARTTLS. */
export function securityForPort(port: number, fallback: Security): Security {
	if (port === 465) return 'ssl';
	if (endpointMismatch(port, fallback)) return 'starttls';
	return fallback;
}

/** Words for the TLS modes, used by both faces. */
export const SECURITY_WORDS: Record<Security, string> = {
	ssl: 'SSL/TLS from the first byte (EMAIL_USE_SSL, usually port 465)',
	starttls: 'STARTTLS: plain connect, then upgrade (EMAIL_USE_TLS, usually 587)',
	none: 'no encryption (only for a mail server on this machine)',
};

/** A port/mode pair that is almost certainly a mistake, explained. */
export function endpointMismatch(port: number, security: Security): string | undefined {
	if (port === 465 && security !== 'ssl') return 'Port 465 speaks TLS from the first byte: choose SSL/TLS, or use port 587 for STARTTLS.';
	if ((port === 587 || port === 2525) && security === 'ssl') return `Port ${port} normally expects STARTTLS, not TLS from the first byte: choose STARTTLS, or use port 465 for SSL/TLS.`;
	return undefined;
}

/**
 * How a provider's mail is authenticated for the From domain, which the
 * deliverability check reads:
 * - `spf.kind = 'include'`: the provider sends with our domain as envelope
 *   domain, so that domain's SPF record must contain one of `includes` (the
 *   first is the one to publish). `'return-path'`: the envelope domain is the
 *   provider's own or a subdomain delegated to it (`where`), so our SPF record
 *   is not what receivers check and DKIM carries DMARC alignment.
 *   `'this-server'`: a local MTA sends as itself; `'unknown'`: any relay.
 * - `dkim.kind = 'fixed'`: selectors the provider always uses (one with a key
 *   is enough); `'per-account'`: the selector is the account's own, so it is
 *   asked for (--dkim-selector) and never guessed.
 * - `loginDomain`: the account's sending domain is the SMTP login's domain
 *   (Mailgun's postmaster@mg.example.com), where SPF and DKIM live.
 * - `ownDomains`: the provider's own mail domains (gmail.com): it publishes
 *   and signs for them, nothing for the admin to do.
 */
export interface MailAuth {
	readonly spf:
		| {readonly kind: 'include'; readonly includes: readonly string[]}
		| {readonly kind: 'return-path'; readonly where: string}
		| {readonly kind: 'this-server'}
		| {readonly kind: 'unknown'};
	readonly dkim: {readonly kind: 'fixed'; readonly selectors: readonly string[]} | {readonly kind: 'per-account'; readonly where: string};
	readonly loginDomain?: boolean;
	readonly ownDomains?: readonly string[];
}

export const MAIL_AUTH: Readonly<Record<ProviderId, MailAuth | undefined>> = {
	// Mailgun docs, "Verifying your domain": TXT v=spf1 include:mailgun.org ~all on the sending
	// domain; the DKIM selector is generated per domain (krs, smtp, mx, pic, …), shown in the
	// control panel. Bounces go to bounce+…@<sending domain>, so SPF lives on that domain.
	// (Mailgun's own page was not in our reference copy; published zones show include:mailgun.org and krs._domainkey.)
	mailgun: {spf: {kind: 'include', includes: ['mailgun.org']}, dkim: {kind: 'per-account', where: 'Mailgun → Sending → Domains → DNS records (the TXT record named <selector>._domainkey)'}, loginDomain: true},
	// Twilio SendGrid docs, "How to set up domain authentication": with Automated Security, three
	// CNAMEs: em<N>.<domain> (the return path, to u<N>.wl.sendgrid.net) and s1/s2._domainkey
	// (the default selectors; a custom selector is possible but rare).
	sendgrid: {spf: {kind: 'return-path', where: 'em<N>.<your domain>, a CNAME to SendGrid (Automated Security)'}, dkim: {kind: 'fixed', selectors: ['s1', 's2']}},
	// AWS SES developer guide, "Easy DKIM" (three CNAMEs <token>._domainkey, tokens per identity) and
	// "Using a custom MAIL FROM domain" (MX feedback-smtp.<region>.amazonses.com, TXT v=spf1 include:amazonses.com ~all).
	// Not confirmed in our reference copy; Resend's docs show the same MAIL FROM records, as Resend sends through SES.
	ses: {spf: {kind: 'return-path', where: 'your custom MAIL FROM subdomain (e.g. bounce.<your domain>, TXT v=spf1 include:amazonses.com ~all), else amazonses.com'}, dkim: {kind: 'per-account', where: 'the SES console → Verified identities → your domain → DKIM (three CNAMEs <token>._domainkey)'}},
	// Google Workspace Admin Help, "Set up SPF" (include:_spf.google.com) and "Set up DKIM"
	// (default selector prefix "google"; an admin may choose another prefix).
	gmail: {spf: {kind: 'include', includes: ['_spf.google.com']}, dkim: {kind: 'fixed', selectors: ['google']}, ownDomains: ['gmail.com', 'googlemail.com']},
	// Postmark docs, "DKIM" and "Custom Return-Path": pm-bounces.<domain> CNAME pm.mtasv.net; the
	// DKIM selector is date-based per domain (<timestamp>pm._domainkey).
	postmark: {spf: {kind: 'return-path', where: 'pm-bounces.<your domain>, a CNAME to pm.mtasv.net (Custom Return-Path)'}, dkim: {kind: 'per-account', where: 'Postmark → Sender Signatures → your domain → DNS Settings (<date>pm._domainkey)'}},
	// Brevo Help Center, "Authenticate your domain with Brevo (Brevo code, DKIM, DMARC)": no SPF step
	// (Brevo's own bounce domain is the envelope). DKIM: brevo1/brevo2._domainkey CNAMEs for domains
	// authenticated since 2024 (not confirmed on a Brevo page we could read); the API docs show the
	// older mail._domainkey TXT record.
	brevo: {spf: {kind: 'return-path', where: "Brevo's own bounce domain"}, dkim: {kind: 'fixed', selectors: ['brevo1', 'brevo2', 'mail']}},
	// Mailjet docs, "SPF and DKIM": include:spf.mailjet.com and mailjet._domainkey (seen in published
	// zones; Mailjet's own page was not in our reference copy).
	mailjet: {spf: {kind: 'include', includes: ['spf.mailjet.com']}, dkim: {kind: 'fixed', selectors: ['mailjet']}},
	// SMTP2GO support, "SPF, DKIM and DMARC" and "VERP": three CNAMEs from Verified Senders; the
	// return path is a subdomain of the sender domain, SPF needs no change, DKIM is one of the CNAMEs. The
	// names em<N>/s<N> are unconfirmed: the per-account selector is asked for, never guessed.
	smtp2go: {spf: {kind: 'return-path', where: 'em<N>.<your domain>, a CNAME to SMTP2GO (Verified Senders)'}, dkim: {kind: 'per-account', where: 'SMTP2GO → Sending → Verified Senders → your domain (s<N>._domainkey)'}},
	// Microsoft Learn, "Set up SPF" (include:spf.protection.outlook.com) and "Use DKIM for email from
	// your custom domain" (CNAMEs selector1/selector2._domainkey to the tenant's onmicrosoft.com).
	office365: {spf: {kind: 'include', includes: ['spf.protection.outlook.com']}, dkim: {kind: 'fixed', selectors: ['selector1', 'selector2']}, ownDomains: ['outlook.com', 'hotmail.com', 'live.com', 'onmicrosoft.com']},
	// Zoho Mail help, "SPF configuration" (include:zoho.com; zoho.eu, zoho.in, zoho.com.au… per data
	// centre) and "DKIM configuration" (the admin names the selector). Only include:zoho.com was confirmed
	// (in published zones); the other data centres' includes are unconfirmed.
	zoho: {spf: {kind: 'include', includes: ['zoho.com', 'zoho.eu', 'zoho.in', 'zoho.com.au', 'zoho.jp', 'zohomail.com']}, dkim: {kind: 'per-account', where: 'Zoho Mail Admin Console → Domains → your domain → Email Configuration → DKIM'}, ownDomains: ['zoho.com', 'zohomail.com']},
	// Fastmail help, "DKIM signing": CNAMEs fm1, fm2, fm3._domainkey to fmN.<domain>.dkim.fmhosted.com;
	// "Custom domain DNS records": include:spf.messagingengine.com.
	fastmail: {spf: {kind: 'include', includes: ['spf.messagingengine.com']}, dkim: {kind: 'fixed', selectors: ['fm1', 'fm2', 'fm3']}, ownDomains: ['fastmail.com', 'fastmail.fm']},
	// Resend docs, "Add a domain": resend._domainkey TXT, and on send.<domain> an MX to
	// feedback-smtp.<region>.amazonses.com plus TXT v=spf1 include:amazonses.com ~all (the return path).
	resend: {spf: {kind: 'return-path', where: 'send.<your domain> (MX and TXT v=spf1 include:amazonses.com ~all)'}, dkim: {kind: 'fixed', selectors: ['resend']}},
	local: {spf: {kind: 'this-server'}, dkim: {kind: 'per-account', where: "your MTA's DKIM signer (OpenDKIM's Selector setting)"}},
	file: undefined,
	custom: {spf: {kind: 'unknown'}, dkim: {kind: 'per-account', where: "your relay's documentation"}},
};
