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
	/** Regions, for providers with per-region hosts (SES's regions, Zoho's data centres and kinds of account). */
	readonly regions?: readonly Region[];
	/** How the region question is asked, for providers with regions. */
	readonly regionQuestion?: RegionQuestion;
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

/** The region question's words, and whether a region the list does not know may be typed (SES opens new ones). */
export interface RegionQuestion {
	readonly title: string;
	/** One line under the list. */
	readonly help: string;
	/** Typing a region by name: the field's help and an example. */
	readonly typed?: {readonly help: string; readonly example: string};
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
 * Source: https://docs.aws.amazon.com/general/latest/gr/ses.html, checked 2026-12 (its region rows).
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

/*
 * Source: AWS General Reference, "Amazon Simple Email Service endpoints and quotas"
 * (https://docs.aws.amazon.com/general/latest/gr/ses.html), checked 2026-12: every SES region has
 * IPv4 hosts (…amazonaws.com) and dual-stack IPv4/IPv6 hosts (…api.aws); FIPS hosts
 * (email-fips…, email-smtp-fips…) exist in us-east-1, us-east-2, us-west-1, us-west-2 and the two
 * GovCloud regions. The page's API table shows that pattern row by row; its SMTP table (not
 * in our reference copy) follows it as email-smtp[-fips].<region>.{amazonaws.com,api.aws}.
 */
export const SES_FIPS_REGIONS: readonly string[] = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'us-gov-east-1', 'us-gov-west-1'];
const SES_HOST = /^email-smtp(-fips)?\.([a-z0-9-]+)\.(?:amazonaws\.com|api\.aws)$/i;

/** What a configured SES host says: its region, and whether it is a FIPS or dual-stack (IPv6) endpoint. */
export function sesHostParts(host: string): {region: string; fips: boolean; dualStack: boolean} | undefined {
	const match = SES_HOST.exec(host);
	if (!match) return undefined;
	return {region: match[2]!.toLowerCase(), fips: match[1] !== undefined, dualStack: /\.api\.aws$/i.test(host)};
}

function sesRegions(): Region[] {
	return SES_SMTP_REGIONS.map(([id, name]) => ({id, name, host: sesHost(id)}));
}

/** An AWS region name as AWS spells them: eu-south-1, us-gov-west-1, ap-southeast-3. */
const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;

/*
 * Source: Zoho Mail Help, "SMTP Server Configuration" (https://www.zoho.com/mail/help/zoho-smtp.html),
 * checked 2026-12 (through its copies: wiki.stretchpowered.com and fgrade.com quote it; postigo.net/smtp/zoho
 * lists the data centres): personal users (…@zohomail.com) and free organizations send through
 * smtp.zoho.<dc>; paid organizations on their own domain through smtppro.zoho.<dc>; 465 SSL or
 * 587 STARTTLS. Data centres: .com (US), .eu, .in, .com.au, .jp, .com.cn, .sa, and zohocloud.ca (Canada).
 */
const ZOHO_DATA_CENTRES: ReadonlyArray<readonly [id: string, name: string, domain: string]> = [
	['com', 'United States (zoho.com)', 'zoho.com'],
	['eu', 'Europe (zoho.eu)', 'zoho.eu'],
	['in', 'India (zoho.in)', 'zoho.in'],
	['com.au', 'Australia (zoho.com.au)', 'zoho.com.au'],
	['jp', 'Japan (zoho.jp)', 'zoho.jp'],
	['com.cn', 'China (zoho.com.cn)', 'zoho.com.cn'],
	['sa', 'Saudi Arabia (zoho.sa)', 'zoho.sa'],
	['ca', 'Canada (zohocloud.ca)', 'zohocloud.ca'],
];

/** Zoho's own mail domains: a login there is a personal (free) account, one on any other domain an organization's. */
const ZOHO_OWN_DOMAIN = /@(?:zohomail|zoho)\.(?:com|eu|in|com\.au|jp|com\.cn|sa)$|@zohomail\.ca$|@zohocloud\.ca$/i;
const ZOHO_HOST = /^(smtp|smtppro)\.(zoho\.(?:com|eu|in|com\.au|jp|com\.cn|sa)|zohocloud\.ca)$/i;

function zohoRegions(): Region[] {
	return ZOHO_DATA_CENTRES.flatMap(([id, name, domain]) => [
		{id: `${id}-pro`, name: `${name}, paid plan on your own domain`, host: `smtppro.${domain}`},
		{id: `${id}-free`, name: `${name}, free or personal account`, host: `smtp.${domain}`},
	]);
}

/**
 * A Zoho data centre given without the kind of account (`--region eu`): the
 * login's domain tells it. An address at Zoho's own domains is a personal
 * account (smtp.zoho.<dc>); one on your own domain is taken for a paid
 * organization (smtppro.zoho.<dc>), Zoho's usual case. Undefined when the
 * login is not known yet.
 */
function zohoKindFromLogin(username: string | undefined): 'pro' | 'free' | undefined {
	if (!username?.includes('@')) return undefined;
	return ZOHO_OWN_DOMAIN.test(username.trim()) ? 'free' : 'pro';
}

/**
 * The region an id names: one of the catalog's, or, for a region AWS opened
 * after this list was written, one built from its name (SES's SMTP hosts all
 * follow email-smtp.<region>.amazonaws.com). A Zoho data centre without its
 * kind of account takes the kind from the login (`username`). Undefined when
 * the id names no region.
 */
export function regionFor(provider: Provider, id: string | undefined, username?: string): Region | undefined {
	if (!provider.regions || id === undefined) return undefined;
	const normalized = id.trim().toLowerCase();
	const known = provider.regions.find(candidate => candidate.id === normalized);
	if (known) return known;
	if (provider.id === 'zoho') {
		const kind = zohoKindFromLogin(username);
		return kind ? provider.regions.find(candidate => candidate.id === `${normalized}-${kind}`) : undefined;
	}

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
export function regionProblem(provider: Provider, id: string, username?: string): string | undefined {
	if (!provider.regions || regionFor(provider, id, username)) return undefined;
	if (provider.id === 'zoho') {
		const centre = ZOHO_DATA_CENTRES.find(([centreId]) => centreId === id.trim().toLowerCase());
		if (centre) return `Zoho data centre "${id}" needs the kind of account: ${centre[0]}-pro (a paid plan on your own domain, ${`smtppro.${centre[2]}`}) or ${centre[0]}-free (a free or personal account, ${`smtp.${centre[2]}`}); with --username the login's domain tells it.`;
		return `Unknown Zoho data centre "${id}". ${provider.name} sends through: ${provider.regions.map(region => region.id).join(', ')}.`;
	}

	return `Unknown region "${id}": not an AWS region name. ${provider.name} sends through: ${provider.regions.map(region => region.id).join(', ')}.`;
}

/** The region (Zoho: data centre and kind of account) a configured host belongs to. */
function regionOfHost(providerId: ProviderId, host: string): string | undefined {
	if (providerId === 'ses') return sesHostParts(host)?.region;
	if (providerId !== 'zoho') return undefined;
	const match = ZOHO_HOST.exec(host);
	if (!match) return undefined;
	const centre = ZOHO_DATA_CENTRES.find(([, , domain]) => domain === match[2]!.toLowerCase());
	return centre ? `${centre[0]}-${match[1]!.toLowerCase() === 'smtppro' ? 'pro' : 'free'}` : undefined;
}

/*
 * Source: Google Cloud, "Sending email with Mailjet" (https://cloud.google.com/compute/docs/tutorials/sending-mail/using-mailjet:
 * relayhost in-v3.mailjet.com:2525) and smtptester.org's Mailjet guide (https://smtptester.org/guides/mailjet-smtp-test/:
 * in-v3.mailjet.com, 587 STARTTLS or 465 implicit TLS, API key as username, secret key as password), checked 2026-12;
 * Mailjet's own page (https://dev.mailjet.com/smtp-relay/configuration/) was not in our reference copy.
 * nodemailer still lists the old in.mailjet.com, so the host is not taken from it.
 */
export const MAILJET_HOST = 'in-v3.mailjet.com';

/*
 * Source: Google Workspace Admin Help, "Gmail sending limits in Google Workspace" (https://support.google.com/a/answer/166852),
 * checked 2026-12: 2,000 messages a day (500 for trial accounts); 100 recipients per message sent via SMTP (smtp.gmail.com).
 * About 500 a day for a personal account and the end of "less secure apps" (app passwords only): Gmail Help
 * https://support.google.com/mail/answer/22839 and https://support.google.com/accounts/answer/185833, as summed up in
 * /work/shared/zulip-facts.md (checked 2026-12); those two pages were not in our reference copy.
 * Zulip's own docs still say "about 100 mails a day": stale.
 */
export const GMAIL_LIMITS = 'Gmail sends about 500 mails a day from a personal account and about 2,000 from Google Workspace (500 during a trial), and at most 100 recipients per message.';

/*
 * Source: Postmark Support, "What are the SMTP details / API Tokens I should be using?"
 * (https://postmarkapp.com/support/article/811-what-are-the-smtp-details-api-tokens-i-should-be-using), checked 2026-12.
 */
export const POSTMARK_LOGIN = {
	username: 'the Server API token (Server → API Tokens), or a message stream\'s SMTP token: its access key',
	password: 'the same Server API token, or the SMTP token\'s secret key',
	notes: 'SMTP must be turned on for the Postmark server (its settings), and broadcast message streams send through smtp-broadcasts.postmarkapp.com, not smtp.postmarkapp.com.',
} as const;

/*
 * Source: Exchange Team Blog, "Updated Exchange Online SMTP AUTH Basic Authentication Deprecation Timeline", Jan 27 2026
 * (https://techcommunity.microsoft.com/blog/exchange/updated-exchange-online-smtp-auth-basic-authentication-deprecation-timeline/4489835),
 * checked 2026-12: unchanged through December 2026; off by default for existing tenants at the end of December 2026, admins
 * may turn it back on; unavailable for new tenants after December 2026; the final removal date announced in the second half of 2027.
 * Consumer outlook.com/hotmail.com refuse Basic auth since September 2024 (Microsoft's "Outlook.com modern auth" notice, as in
 * /work/shared/zulip-facts.md, checked 2026-12). Django's SMTP backend logs in with a password only (django/core/mail/backends/smtp.py: login(username, password)).
 * Azure Communication Services' SMTP relay: smtp.azurecomm.net, 587 STARTTLS, the username of an "SMTP Username" resource (or
 * <resource>.<Entra app id>.<tenant id>) and the Entra application's client secret as password
 * (https://learn.microsoft.com/en-us/azure/communication-services/quickstarts/email/send-email-smtp/smtp-authentication, checked 2026-12;
 * the host and port as used in public deployments, the Learn page's host line was not in our reference copy).
 * High Volume Email delivers to the tenant's own recipients only: never suggested.
 */
export const MICROSOFT_BASIC_AUTH_OFF = new Date(Date.UTC(2026, 11, 31));
const MICROSOFT_ALTERNATIVES = 'Zulip (Django) can only log in with a password and has no OAuth2 for SMTP, so plan for a relay that takes one: a transactional service (Mailgun, Postmark, Amazon SES…), or Azure Communication Services\' SMTP relay (smtp.azurecomm.net, port 587, STARTTLS, an Entra application\'s SMTP username and client secret).';

/**
 * What to say when Microsoft 365 is picked, measured against today: the end
 * of password logins (Basic auth) for SMTP AUTH, and what works instead.
 */
export function microsoftNotice(today: Date = new Date()): string {
	const date = today.toISOString().slice(0, 10);
	const when = today < MICROSOFT_BASIC_AUTH_OFF
		? `Today (${date}) Microsoft 365 still accepts password logins (Basic auth) for SMTP AUTH, but from the end of December 2026 they are off by default for existing tenants (a tenant admin can turn them back on until the final removal, to be announced for the second half of 2027).`
		: `Since the end of December 2026 (today is ${date}) Microsoft 365 turns password logins (Basic auth) for SMTP AUTH off by default: a tenant admin must turn them back on, and only until the final removal announced for the second half of 2027.`;
	return `${when} Consumer outlook.com and hotmail.com accounts refuse them since September 2024. ${MICROSOFT_ALTERNATIVES}`;
}

/** The notes shown when a provider is picked, with those that depend on today's date. */
export function providerNotes(provider: Provider, today: Date = new Date()): string[] {
	return [...(provider.notes ?? []), ...(provider.id === 'office365' ? [microsoftNotice(today)] : [])];
}

/*
 * Every provider entry below carries a "Source:" comment naming where its
 * facts come from (URL or upstream path) and when they were checked;
 * scripts/check-provider-sources.ts fails the build when one is missing,
 * and the README's provider table lists the same sources.
 */
function build(): Provider[] {
	const mailgun = known('Mailgun');
	const sendgrid = known('SendGrid');
	const gmail = known('Gmail');
	const postmark = known('Postmark');
	const brevo = known('SendinBlue');
	const smtp2go = known('SMTP2GO');
	const office365 = known('Outlook365');
	const fastmail = known('FastMail');
	const resend = known('Resend');
	return [
		{
			// Source: https://zulip.readthedocs.io/en/latest/production/email.html (Zulip recommends Mailgun, 587 STARTTLS) and nodemailer lib/well-known/services.json (host), checked 2026-12.
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
			// Source: nodemailer lib/well-known/services.json (host, port) and https://www.twilio.com/docs/sendgrid/for-developers/sending-email/integrating-with-the-smtp-api (user apikey), checked 2026-12 (the host against nodemailer; the SendGrid page not re-read).
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
			// Source: https://docs.aws.amazon.com/general/latest/gr/ses.html (regions, FIPS and dual-stack hosts) and https://docs.aws.amazon.com/ses/latest/dg/smtp-connect.html (ports 25, 587, 2587 STARTTLS; 465, 2465 TLS wrapper), checked 2026-12.
			id: 'ses',
			name: 'Amazon SES',
			summary: 'per-region host, IAM SMTP credentials',
			kind: 'smtp',
			endpoints: withAlternatives(starttls(587), ssl(465), starttls(2587)),
			usernameHint: 'the SMTP username from SES → SMTP settings → Create SMTP credentials',
			passwordHint: 'the SMTP password created with it, for this same region',
			needsAuth: true,
			regions: sesRegions(),
			regionQuestion: {
				title: 'Which region is your Amazon SES account in?',
				help: 'SMTP credentials only work in the region they were created for.',
				typed: {help: 'Type the region name as the AWS console shows it (e.g. eu-south-2); the host is email-smtp.<region>.amazonaws.com.', example: 'eu-south-2'},
			},
			// IPv4 (…amazonaws.com), dual-stack (…api.aws) and FIPS (email-smtp-fips…) hosts are all SES.
			hostPattern: SES_HOST,
			notes: [
				'SMTP credentials only work in the region they were created for.',
				'The SMTP username starts with AKIA, like an IAM access key ID, but an access key and its secret do not log in: use the pair SES made for SMTP.',
				`For IPv6, the dual-stack host is email-smtp.<region>.api.aws; FIPS hosts (email-smtp-fips.<region>.amazonaws.com or .api.aws) exist in ${SES_FIPS_REGIONS.join(', ')}: change the host in the next question to use one.`,
			],
		},
		{
			// Source: see GMAIL_LIMITS (https://support.google.com/a/answer/166852), checked 2026-12.
			id: 'gmail',
			name: 'Gmail',
			summary: 'dedicated account, app password; ~500/day (Workspace ~2,000)',
			kind: 'smtp',
			host: gmail.host,
			endpoints: withAlternatives(starttls(587), gmail.endpoint),
			usernameHint: 'the full Gmail address of a dedicated account',
			passwordHint: 'a 16-letter app password (needs 2-Step Verification), not the account password',
			needsAuth: true,
			hostPattern: /^smtp\.gmail\.com$/i,
			notes: [
				'Gmail sends every mail From the account itself (or an alias added under "Send mail as"), whatever Zulip\'s From says.',
				GMAIL_LIMITS,
				'Only an app password logs in: the "less secure apps" switch some guides (and older Zulip docs) mention no longer exists.',
			],
		},
		{
			// Source: Postmark Support, "What are the SMTP details / API Tokens I should be using?" (https://postmarkapp.com/support/article/811-what-are-the-smtp-details-api-tokens-i-should-be-using),
			// checked 2026-12: smtp.postmarkapp.com (transactional) and smtp-broadcasts.postmarkapp.com (broadcast streams), ports 25, 2525, 587 with STARTTLS;
			// the Server API token as username and password, or a stream's SMTP token (access key as username, secret key as password); SMTP is turned on per server.
			id: 'postmark',
			name: 'Postmark',
			summary: 'server API token, or a stream\'s SMTP token',
			kind: 'smtp',
			host: postmark.host,
			endpoints: withAlternatives(starttls(587), postmark.endpoint, starttls(25)),
			usernameHint: POSTMARK_LOGIN.username,
			passwordHint: POSTMARK_LOGIN.password,
			needsAuth: true,
			hostPattern: /(^|\.)postmarkapp\.com$/i,
			notes: [POSTMARK_LOGIN.notes],
		},
		{
			// Source: nodemailer lib/well-known/services.json (SendinBlue: host, port), checked 2026-12; https://help.brevo.com/hc/en-us/articles/7924908994450 (SMTP login and key), not re-read 2026-12.
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
			// Source: see MAILJET_HOST (in-v3.mailjet.com, 587 STARTTLS, 465 SSL, 2525; API key and secret key as login), checked 2026-12.
			id: 'mailjet',
			name: 'Mailjet',
			summary: 'API key and secret key',
			kind: 'smtp',
			host: MAILJET_HOST,
			endpoints: [starttls(587), ssl(465), starttls(2525)],
			usernameHint: 'the API key',
			passwordHint: 'the secret key',
			needsAuth: true,
			hostPattern: /(^|\.)mailjet\.com$/i,
		},
		{
			// Source: nodemailer lib/well-known/services.json (host, port), checked 2026-12; https://support.smtp2go.com/hc/en-gb/articles/223087967 (ports, SMTP users), not re-read 2026-12.
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
			// Source: Exchange Team Blog, "Updated Exchange Online SMTP AUTH Basic Authentication Deprecation Timeline", Jan 27 2026
			// (https://techcommunity.microsoft.com/blog/exchange/updated-exchange-online-smtp-auth-basic-authentication-deprecation-timeline/4489835), checked 2026-12;
			// the dated notice, the alternatives and the 5.7.139 diagnosis are in microsoftNotice below and source/smtp/diagnoses.ts.
			id: 'office365',
			name: 'Microsoft 365',
			summary: 'Exchange Online SMTP AUTH; password logins are ending',
			kind: 'smtp',
			host: office365.host,
			endpoints: withAlternatives(office365.endpoint),
			usernameHint: 'the mailbox address (SMTP AUTH must be enabled for it)',
			passwordHint: "the mailbox's password or an app password",
			needsAuth: true,
			hostPattern: /^smtp\.office365\.com$/i,
			notes: ['The mailbox needs "Send As" permission for the noreply address (or turn tokens off and make NOREPLY_EMAIL_ADDRESS the mailbox itself).'],
		},
		{
			// Source: Zoho Mail Help, "SMTP Server Configuration" (https://www.zoho.com/mail/help/zoho-smtp.html), checked 2026-12: see ZOHO_DATA_CENTRES.
			id: 'zoho',
			name: 'Zoho Mail',
			summary: 'smtppro.zoho.* (paid) or smtp.zoho.* (free), per data centre',
			kind: 'smtp',
			endpoints: [ssl(465), starttls(587)],
			usernameHint: 'the Zoho mailbox address',
			passwordHint: 'an application-specific password',
			needsAuth: true,
			regions: zohoRegions(),
			regionQuestion: {
				title: 'Which Zoho data centre, and which kind of account?',
				help: 'Paid plans on your own domain send through smtppro.zoho.<data centre>; free and personal accounts (…@zohomail.com) through smtp.zoho.<data centre>. The data centre is the ending of the address you sign in at (mail.zoho.eu → eu).',
			},
			hostPattern: ZOHO_HOST,
			notes: ['The host must be your account\'s data centre and kind: the wrong one refuses the login as if the password were wrong.'],
		},
		{
			// Source: nodemailer lib/well-known/services.json (host, port), checked 2026-12; https://www.fastmail.help/hc/en-us/articles/1500000278342 (app passwords), not re-read 2026-12.
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
			// Source: nodemailer lib/well-known/services.json (host, port), checked 2026-12; https://resend.com/docs/send-with-smtp (user resend, API key), not re-read 2026-12.
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
			// Source: https://zulip.readthedocs.io/en/latest/production/email.html (a local MTA on localhost:25, no TLS, no login), checked 2026-12.
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
			// Source: https://zulip.readthedocs.io/en/latest/production/email.html (EMAIL_BACKEND filebased, /var/log/zulip/emails for prototyping), checked 2026-12.
			id: 'file',
			name: 'Log to files (prototyping)',
			summary: 'no mail leaves the server; messages are written to a directory',
			kind: 'file',
			endpoints: [],
			needsAuth: false,
			notes: ['Nobody receives mail in this mode: use it only to try Zulip out.'],
		},
		{
			// Source: RFC 8314 (465 implicit TLS) and RFC 6409 (587 submission), checked 2026-12; 2525 is a relays' convention, not a standard.
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
			return {providerId: provider.id, region: regionFor(provider, regionOfHost(provider.id, host))?.id};
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
