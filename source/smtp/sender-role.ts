import type {SenderRole} from './types.js';

/** Each envelope sender in the admin's words, the setting it comes from in brackets where that helps. */
export const SENDER_ROLE_NAMES: Readonly<Record<SenderRole, string>> = {
	default: 'default From',
	'noreply-plain': 'noreply From',
	'noreply-tokenized': 'tokenized noreply From',
};
