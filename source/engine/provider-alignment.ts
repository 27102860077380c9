import type {ProviderId} from './providers.js';

// Whose domain each provider puts in the envelope sender (Return-Path) by
// default. DMARC passes through SPF only when that domain aligns with the From
// domain (RFC 7489 §3.1.2, RFC 9989): with the provider's own bounce domain,
// SPF passes for the provider and never aligns, and only DKIM signed for the
// From domain carries DMARC. Kept apart from providers.ts (whose entries other
// work edits) and keyed by provider id; test/provider-alignment.test.ts fails
// when a catalog provider has no entry.

export type ReturnPath =
	/** The envelope sender is the From address itself (or the login's domain): SPF on that domain aligns. */
	| {readonly kind: 'customer'}
	/** A subdomain of the customer's domain, delegated to the provider by the records it asks for: SPF aligns (relaxed) once they are published. */
	| {readonly kind: 'customer-subdomain'; readonly where: string}
	/** The provider's own bounce domain unless the customer sets up a custom return path: SPF cannot align, DKIM must. */
	| {readonly kind: 'provider'; readonly domain: string; readonly custom?: string}
	/** A mail server of one's own: whatever it is configured to use. */
	| {readonly kind: 'unknown'}
	/** Nothing is sent. */
	| {readonly kind: 'none'};

export interface ProviderAlignment {
	readonly returnPath: ReturnPath;
	/** Where the fact comes from: a URL, and the date it was checked. */
	readonly source: string;
}

export const PROVIDER_ALIGNMENT: Readonly<Record<ProviderId, ProviderAlignment>> = {
	// Mailgun sends with bounce+…@<sending domain>: the login's domain (mg.example.com), relaxed-aligned with example.com.
	mailgun: {returnPath: {kind: 'customer'}, source: 'https://documentation.mailgun.com/docs/mailgun/user-manual/domains/ (sending domain = envelope domain); not re-read 2026-12-08'},
	// Automated Security: the return path em<N>.<domain> is a CNAME to SendGrid, so SPF aligns relaxed.
	sendgrid: {returnPath: {kind: 'customer-subdomain', where: 'em<N>.<your domain>'}, source: 'https://www.twilio.com/docs/sendgrid/api-reference/domain-authentication/authenticate-a-domain ("replace sendgrid.net with your personal sending domain"; Automated Security: 3 CNAMEs, em<N> the return path); checked 2026-12-08. Before the domain is authenticated the return path is on sendgrid.net'},
	// Without a custom MAIL FROM domain SES uses amazonses.com; DKIM (Easy DKIM) aligns.
	ses: {returnPath: {kind: 'provider', domain: 'amazonses.com', custom: 'a custom MAIL FROM domain (e.g. bounce.<your domain>)'}, source: 'https://docs.aws.amazon.com/ses/latest/APIReference/API_SetIdentityMailFromDomain.html ("UseDefaultValue: Amazon SES uses amazonses.com (or a subdomain of that) as the MAIL FROM domain"; the custom one must be a subdomain of the identity); checked 2026-12-08'},
	// Workspace relays with the user's own address as envelope sender.
	gmail: {returnPath: {kind: 'customer'}, source: 'https://support.google.com/a/answer/33786 (SPF on your domain: include:_spf.google.com); not re-read 2026-12-08'},
	// Postmark's default return path is pm.mtasv.net; a Custom Return-Path pm-bounces.<domain> makes SPF align.
	postmark: {returnPath: {kind: 'provider', domain: 'pm.mtasv.net', custom: 'a Custom Return-Path (pm-bounces.<your domain>, a CNAME to pm.mtasv.net)'}, source: 'https://postmarkapp.com/blog/introducing-full-dmarc-support-with-custom (default Return-Path <pm_bounces@pm.mtasv.net>; a custom Return-Path domain makes DMARC align through SPF); checked 2026-12-08'},
	// Brevo sends with its own bounce domain (sender-sib.com): DKIM alone carries DMARC.
	brevo: {returnPath: {kind: 'provider', domain: 'sender-sib.com'}, source: 'https://www.captaindns.com/en/blog/brevo-transactional-email-technical-guide (2026-01-16: Return-Path on sender-sib.com); Brevo help 16045394674066; checked 2026-12-08'},
	// Mailjet's default Return-Path is on bnc3.mailjet.com; SPF aligns only with a custom return path.
	mailjet: {returnPath: {kind: 'provider', domain: 'bnc3.mailjet.com', custom: 'a custom return path (Account settings → Sender domains & addresses)'}, source: 'https://www.mailjet.com/blog/deliverability/mailjet-dmarcbis-is-dead-long-live-dmarc/ ("By default, Mailjet uses a provider-owned bounce domain: bnc3.mailjet.com"); checked 2026-12-08'},
	// Verified Senders: the return path is a subdomain of the sender domain (a CNAME to SMTP2GO).
	smtp2go: {returnPath: {kind: 'customer-subdomain', where: 'em<N>.<your domain>'}, source: 'https://support.smtp2go.com/hc/en-gb/articles/223087967-Verified-Senders (as cited in providers.ts); not re-read 2026-12-08'},
	// Exchange Online sends with the mailbox's own address as envelope sender.
	office365: {returnPath: {kind: 'customer'}, source: 'https://learn.microsoft.com/en-us/defender-office-365/email-authentication-spf-configure; not re-read 2026-12-08'},
	zoho: {returnPath: {kind: 'customer'}, source: 'https://www.zoho.com/mail/help/adminconsole/spf-configuration.html; not re-read 2026-12-08'},
	fastmail: {returnPath: {kind: 'customer'}, source: 'https://www.fastmail.help/hc/en-us/articles/360060591153 (custom domain DNS records); not re-read 2026-12-08'},
	// Resend (on SES) sends with send.<domain>, whose MX and SPF the domain setup publishes.
	resend: {returnPath: {kind: 'customer-subdomain', where: 'send.<your domain>'}, source: 'https://resend.com/docs/dashboard/domains/custom-return-path ("By default, Resend uses the send subdomain for the Return-Path address"); checked 2026-12-08'},
	// A local MTA uses Zulip's envelope sender, the From address, unless configured otherwise.
	local: {returnPath: {kind: 'customer'}, source: 'Django sends with the From address as envelope sender (django.core.mail.message.EmailMessage.from_email)'},
	custom: {returnPath: {kind: 'unknown'}, source: 'depends on the relay'},
	file: {returnPath: {kind: 'none'}, source: 'nothing is sent'},
};

export function providerAlignment(id: ProviderId): ProviderAlignment {
	return PROVIDER_ALIGNMENT[id];
}
