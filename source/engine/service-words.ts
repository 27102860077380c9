import {getProvider, type ProviderId} from './providers.js';

/**
 * Who sends Zulip's mail, in words that are true for it. "Your provider" is
 * wrong for Postfix/Exim on this machine and vague for a relay of one's own:
 * the screens and fixes of both faces say it with these.
 */
export interface ServiceWords {
	/** Who sends the mail: "Mailgun", "the mail server on this machine", "the SMTP server". */
	readonly who: string;
	/** Where a sender is allowed or a refusal is fixed: "at Mailgun", "in the mail server on this machine". */
	readonly at: string;
	/** Whose documentation names the host and ports. */
	readonly docs: string;
	/** Where a mail that went missing shows up. */
	readonly log: string;
	/** What to publish for the sending domain so mail is not spam, and after whose description. */
	readonly records: (domain: string) => string;
}

const LOCAL: ServiceWords = {
	who: 'the mail server on this machine',
	at: 'in the mail server on this machine (its sender and relay rules)',
	docs: "the mail server's own configuration (Postfix: master.cf)",
	log: "the mail server's log (/var/log/mail.log)",
	records: domain => `an SPF record for ${domain} that allows this machine, and DKIM signing in the mail server (OpenDKIM)`,
};

const RELAY: ServiceWords = {
	who: 'the SMTP server',
	at: 'at the SMTP server',
	docs: "the SMTP server's documentation",
	log: "the SMTP server's log",
	records: domain => `SPF and DKIM records for ${domain} as the SMTP server's operator describes`,
};

export function serviceWords(providerId: ProviderId): ServiceWords {
	if (providerId === 'local') return LOCAL;
	if (providerId === 'custom' || providerId === 'file') return RELAY;
	const {name} = getProvider(providerId);
	return {
		who: name,
		at: `at ${name}`,
		docs: `${name}'s documentation`,
		log: `${name}'s sending log`,
		records: domain => `SPF and DKIM records for ${domain} as ${name} describes`,
	};
}

export const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** What the noreply question says about who must accept the address as sender. */
export function noreplyRule(providerId: ProviderId): string {
	if (providerId === 'file') return 'No mail leaves the server in this mode, so any address is taken; use the one real mail will need later.';
	if (providerId === 'local') return 'The mail server on this machine sends from this address: its domain\'s SPF must allow this machine.';
	return `${capitalized(serviceWords(providerId).who)} must let you send from this address.`;
}

/** What the tokens question says about senders refused; nothing where no relay judges them. */
export function tokensRule(providerId: ProviderId): string | undefined {
	if (providerId === 'file' || providerId === 'local') return undefined;
	if (providerId === 'custom') return 'Some SMTP servers refuse tokenized senders: they only send from addresses you own.';
	return 'Many providers refuse tokenized senders: they only send from addresses you own.';
}

/** What "Test again" after a failed test waits for. */
export function retestHint(providerId: ProviderId): string {
	if (providerId === 'file') return 'after fixing the directory';
	if (providerId === 'local') return 'after fixing the mail server on this machine';
	return `after fixing something ${serviceWords(providerId).at}`;
}
