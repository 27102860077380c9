import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {cleanup, render} from 'ink-testing-library';
import {RestartOfferStep} from '../source/ui/steps/restart-steps.js';
import {plain, waitForText} from './helpers/ink.js';

afterEach(cleanup);

test('the restart offer for a docker-zulip deployment says the container is recreated, with the command that does it', async () => {
	const command = 'cd /srv/docker-zulip && docker compose up -d zulip';
	const deployment = render(<RestartOfferStep command={command} recommended deployment send={() => undefined} />);
	const frame = plain(await waitForText(deployment.lastFrame, 'recreates the Zulip container'));
	assert.match(frame.replace(/\s+/g, ' '), /docker compose up -d zulip/);
	assert.doesNotMatch(frame, /settings\.py stops it/);
	const host = render(<RestartOfferStep command="su zulip -c restart-server" recommended send={() => undefined} />);
	assert.match(plain(await waitForText(host.lastFrame, 'restart-server')), /a broken settings\.py stops it/);
});
