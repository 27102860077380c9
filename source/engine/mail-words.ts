import type {Sender} from '../smtp/types.js';

/**
 * How many test mails the live test sends and whom from, counted from the
 * senders (engine/senders.ts: one mail per envelope sender Zulip uses),
 * never a fixed word: with Zulip's default tokens that is three, with
 * tokens off or one address for all, fewer.
 */

const NUMBERS = ['no', 'one', 'two', 'three', 'four', 'five'];

export const countWord = (count: number) => NUMBERS[count] ?? String(count);

/** "three test mails", "one test mail". */
export function testMails(count: number): string {
	return `${countWord(count)} test mail${count === 1 ? '' : 's'}`;
}

/** "both From addresses", "all three From addresses", "the From address". */
export function everySender(count: number): string {
	if (count === 1) return 'the From address';
	return count === 2 ? 'both From addresses' : `all ${countWord(count)} From addresses`;
}

const ROLE_WORDS: Record<Sender['role'], string> = {
	default: 'the default From',
	'noreply-plain': 'the noreply address (shaped as Zulip sends invitations)',
	'noreply-tokenized': 'the tokenized noreply address',
};

/** "One from the default From, one from …and one from …": whom each test mail comes from. */
export function testMailSenders(senders: readonly Sender[]): string {
	const parts = senders.map(sender => `one from ${ROLE_WORDS[sender.role]}`);
	if (parts.length === 0) return 'No From address is set, so no mail can be sent.';
	const list = parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)!}`;
	return `${list.charAt(0).toUpperCase()}${list.slice(1)}: each address Zulip sends with.`;
}
