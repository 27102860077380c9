import type {TestReport} from '../smtp/types.js';
import type {Answers} from './answers.js';
import {securityName} from './providers.js';

/** A change the wizard can make for the admin after a failed test, then retest. */
export interface Fix {
	readonly id: 'use-suggestion' | 'switch-to-ssl' | 'switch-to-starttls' | 'tokenized-noreply' | 'tokens-off' | 'reenter-password';
	/** What the key does, in the admin's words. */
	readonly label: string;
	/** The flags that make the same change non-interactively. */
	readonly flags: string;
	/** New answers; for reenter-password the caller asks for the password first. */
	readonly apply: (answers: Answers) => Answers;
	/** The fix needs a new password typed before it can be applied. */
	readonly needsPassword?: boolean;
}


export function fixesFor(report: TestReport, answers: Answers): Fix[] {
	const fixes: Fix[] = [];
	const {suggestion, diagnosis} = report;
	if (suggestion && (suggestion.port !== answers.port || suggestion.security !== answers.security)) {
		fixes.push({
			id: 'use-suggestion',
			label: `Switch to port ${suggestion.port} with ${securityName(suggestion.security)} (it answered) and test again`,
			flags: `--port ${suggestion.port} --security ${suggestion.security}`,
			apply: current => ({...current, port: suggestion.port, security: suggestion.security}),
		});
	} else if (diagnosis?.id === 'needs-ssl' && answers.security !== 'ssl') {
		fixes.push({id: 'switch-to-ssl', label: `Use SSL/TLS from the first byte on port ${answers.port} and test again`, flags: '--security ssl', apply: current => ({...current, security: 'ssl'})});
	} else if ((diagnosis?.id === 'needs-starttls' || diagnosis?.id === 'tls-required') && answers.security !== 'starttls') {
		fixes.push({id: 'switch-to-starttls', label: `Use STARTTLS on port ${answers.port} and test again`, flags: '--security starttls', apply: current => ({...current, security: 'starttls'})});
	}

	const tokenized = report.senders.find(sender => sender.role === 'noreply-tokenized' && !sender.ok && sender.diagnosis?.id === 'sender-rejected');
	const noreplyRefused = Boolean(tokenized);
	// The relay took the plain noreply address in another domain: the tokens can stay, moved there (preferred over tokens off).
	const plain = report.senders.find(sender => sender.role === 'noreply-plain' && sender.ok);
	const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();
	if (tokenized && plain && domainOf(plain.address) !== domainOf(tokenized.address)) {
		const template = `noreply-{token}@${domainOf(plain.address)}`;
		fixes.push({
			id: 'tokenized-noreply',
			label: `Keep the tokens, in ${domainOf(plain.address)} (${template}) and test again`,
			flags: `--tokenized-noreply '${template}'`,
			apply: current => ({...current, tokens: true, tokenizedNoreply: template}),
		});
	}

	if (noreplyRefused && answers.tokens !== false) {
		fixes.push({
			id: 'tokens-off',
			label: 'Send from the plain noreply address (tokens off) and test again',
			flags: '--no-tokens',
			apply: current => ({...current, tokens: false}),
		});
	}

	const authProblem = diagnosis && ['auth-failed', 'app-password-required'].includes(diagnosis.id);
	if (authProblem && answers.username !== '') {
		fixes.push({id: 'reenter-password', label: 'Type the password again and test again', flags: '--password-file PATH', apply: current => current, needsPassword: true});
	}

	return fixes;
}
