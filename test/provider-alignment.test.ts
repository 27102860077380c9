import assert from 'node:assert/strict';
import {test} from 'node:test';
import {PROVIDER_ALIGNMENT} from '../source/engine/provider-alignment.js';
import {PROVIDERS} from '../source/engine/providers.js';

test('every catalog provider says whose domain its default Return-Path is, with a source (issue 20 item 10)', () => {
	const catalog = PROVIDERS.map(provider => provider.id).sort();
	assert.deepEqual(Object.keys(PROVIDER_ALIGNMENT).sort(), catalog);
	for (const [id, entry] of Object.entries(PROVIDER_ALIGNMENT)) assert.ok(entry.source.trim().length > 10, `${id} has a source`);
	assert.deepEqual(PROVIDER_ALIGNMENT.mailjet.returnPath, {kind: 'provider', domain: 'bnc3.mailjet.com', custom: 'a custom return path (Account settings → Sender domains & addresses)'});
});

test('every finding names the standard it follows, for the README\'s table (issue 20)', async () => {
	const {FINDINGS} = await import('../source/engine/deliverability-findings.js');
	for (const [id, entry] of Object.entries(FINDINGS)) {
		if (id.startsWith('spf-')) assert.match(entry.rfc, /RFC 7208/, id);
		if (id.startsWith('dkim-')) assert.match(entry.rfc, /RFC 6376/, id);
		if (id.startsWith('dmarc-')) assert.match(entry.rfc, /RFC (7489|9989)/, id);
	}
});
