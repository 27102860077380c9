/**
 * Issue 22, in the Ink face: step components rendered by ink-testing-library
 * at 80 columns, read as the admin reads them.
 */
import assert from 'node:assert/strict';
import {after, describe, test} from 'node:test';
import {DoneStep} from '../source/ui/steps/done-step.js';
import {plain} from './helpers/ink.js';
import {cleanupRendered, renderAt80} from './helpers/walk-through.js';

after(cleanupRendered);

describe('the restore counts the files it put back', () => {
	const file = (name: string) => ({path: `/srv/helm/${name}`, changed: true, backup: `/srv/helm/${name}.bak-20261207-230112`, created: false});

	test('one file touched (Helm\'s values file only): it is named, never "both"', () => {
		const frame = plain(renderAt80(<DoneStep restored changed={[file('values.yaml')]} restartCommand="helm upgrade" fileBackend={false} />).lastFrame());
		assert.match(frame, /values\.yaml is back as it was before this run\./);
		assert.doesNotMatch(frame, /Both files/);
	});

	test('two files: both', () => {
		const frame = plain(renderAt80(<DoneStep restored changed={[file('values.yaml'), file('zulip-email-secret.yaml')]} restartCommand="helm upgrade" fileBackend={false} />).lastFrame());
		assert.match(frame, /Both files are back as they were before this run\./);
	});
});
