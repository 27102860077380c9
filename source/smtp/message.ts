import {randomBytes} from 'node:crypto';
import type {Sender} from './types.js';

/** The body of manage.py send_test_email (Zulip 8+), word for word. */
export const testMessageBody =
	'Success!  If you receive this message (and a second with a different subject), '
	+ 'you\'ve successfully configured sending emails from your Zulip server.  '
	+ 'Remember that you need to restart '
	+ 'the Zulip server with /home/zulip/deployments/current/scripts/restart-server '
	+ 'after changing the settings in /etc/zulip before your changes will take effect.';

/**
 * send_test_email's subjects: "Zulip email test" from the default From,
 * "Zulip noreply email test" from the noreply one it uses (tokenized when
 * tokens are on). The plain noreply address, when it is a sender of its own,
 * gets a mail shaped like the ones Zulip sends every day, and says so.
 */
export function testSubject(sender: Pick<Sender, 'role'>, senders: ReadonlyArray<Pick<Sender, 'role'>> = []): string {
	if (sender.role === 'default') return 'Zulip email test';
	if (sender.role === 'noreply-plain' && senders.some(other => other.role === 'noreply-tokenized')) return 'Zulip email test (sent the way Zulip sends invitations)';
	return 'Zulip noreply email test';
}

/** Python's email.utils.formatdate(localtime=False): RFC 2822 date in UTC, "-0000". */
export function formatDate(date: Date): string {
	return date.toUTCString().replace(/GMT$/, '-0000');
}

/** Python's email.utils.make_msgid(domain=DNS_NAME), as Django calls it. */
export function makeMessageId(domain: string, now = Date.now()): string {
	const random = randomBytes(8).readBigUInt64BE();
	return `<${Math.floor(now / 10)}.${process.pid}.${random}@${domain}>`;
}

export interface TestMessage {
	from: string;
	to: string;
	subject: string;
	/** Django's DNS_NAME: the Message-ID domain. */
	domain: string;
	date?: Date;
	/** CRLF on the wire (smtplib), LF in the file backend. */
	lineEnding: '\r\n' | '\n';
}

/**
 * The message Django's send_mail() builds for send_test_email: plain text,
 * utf-8, 7bit (the body is ASCII and no line exceeds 998 octets), with the
 * headers in Django's order.
 */
export function buildTestMessage(message: TestMessage): string {
	const headers = [
		'Content-Type: text/plain; charset="utf-8"',
		'MIME-Version: 1.0',
		'Content-Transfer-Encoding: 7bit',
		`Subject: ${message.subject}`,
		`From: ${message.from}`,
		`To: ${message.to}`,
		`Date: ${formatDate(message.date ?? new Date())}`,
		`Message-ID: ${makeMessageId(message.domain)}`,
	];
	// No final line ending: Python's generator adds none; smtplib and the file backend each add their own.
	return [...headers, '', testMessageBody].join(message.lineEnding);
}
