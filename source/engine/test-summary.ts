import {SENDER_ROLE_NAMES} from '../smtp/sender-role.js';
import type {SenderResult, TestReport} from '../smtp/types.js';

/** How a sender came out of the live test, in the same words for both faces. */
export interface SenderSummary {
	/** ✔ accepted, ✖ refused, – not tried. */
	readonly mark: '✔' | '✖' | '–';
	/** The same for scripts (the JSON report). */
	readonly status: 'accepted' | 'refused' | 'not-tried';
	readonly text: string;
}

/**
 * A sender the test never reached (the connection, TLS or login failed
 * first) is "not tried": a ✖ would say the server refused it, which nobody
 * knows yet.
 */
export function senderSummary(report: TestReport, sender: SenderResult): SenderSummary {
	const role = SENDER_ROLE_NAMES[sender.role];
	if (sender.ok) return {mark: '✔', status: 'accepted', text: `${role} ${sender.address} accepted${sender.sent ? ', test mail sent' : ''}`};
	if (sender.diagnosis) return {mark: '✖', status: 'refused', text: `${role} ${sender.address}: ${sender.diagnosis.message}`};
	return {mark: '–', status: 'not-tried', text: `${role} ${sender.address}: not tried${report.diagnosis ? ', the test stopped before it' : ''}`};
}
