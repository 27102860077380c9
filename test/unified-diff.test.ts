import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import {unifiedDiff} from '../source/engine/unified-diff.js';

/** GNU diff is the judge: our hunks must be the ones `diff -u` prints. */
function gnuDiff(before: string, after: string): string {
	const dir = mkdtempSync(join(tmpdir(), 'diff-'));
	writeFileSync(join(dir, 'a'), before);
	writeFileSync(join(dir, 'b'), after);
	try {
		return execFileSync('diff', ['-u', 'a', 'b'], {cwd: dir, encoding: 'utf8'});
	} catch (error) {
		return (error as {stdout: string}).stdout;
	}
}

function hunks(diff: string): string {
	return diff.split('\n').filter(line => !line.startsWith('---') && !line.startsWith('+++')).join('\n');
}

function seeded(seed: number): () => number {
	return () => {
		seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
		return seed / 2_147_483_648;
	};
}

test('identical texts give no diff', () => {
	assert.equal(unifiedDiff('a\nb\n', 'a\nb\n', 'f'), '');
});

test('hunks match GNU diff -u on edits like ours and on random ones', () => {
	const base = Array.from({length: 60}, (_, index) => `line ${index}`);
	const cases: Array<[string[], string[]]> = [
		[base, base.map((line, index) => (index === 10 ? 'EMAIL_HOST = "smtp.mailgun.org"' : line))],
		[base, [...base.slice(0, 30), 'EMAIL_USE_SSL = True', ...base.slice(30)]],
		[base, [...base.slice(0, 5), ...base.slice(6)]],
		[base, base.map((line, index) => (index % 17 === 3 ? `# ${line}` : line))],
		[base, [...base, '', '## Outgoing email settings written by zulip-email-setup.', 'EMAIL_PORT = 587']],
	];
	const random = seeded(7);
	for (let round = 0; round < 40; round++) {
		const after = base.filter(() => random() > 0.08).map(line => (random() < 0.06 ? line + ' changed' : line));
		if (random() < 0.5) after.splice(Math.floor(random() * after.length), 0, 'inserted');
		cases.push([base, after]);
	}

	for (const [before, after] of cases) {
		const a = before.join('\n') + '\n';
		const b = after.join('\n') + '\n';
		const ours = unifiedDiff(a, b, 'f');
		const theirs = gnuDiff(a, b);
		// Alignment may legitimately differ where LCS has ties; line counts must not.
		const count = (diff: string, sign: string) => diff.split('\n').filter(line => line.startsWith(sign) && !line.startsWith(sign.repeat(3))).length;
		assert.equal(count(ours, '-'), count(theirs, '-'));
		assert.equal(count(ours, '+'), count(theirs, '+'));
	}

	for (const [before, after] of cases.slice(0, 5)) {
		const a = before.join('\n') + '\n';
		const b = after.join('\n') + '\n';
		assert.equal(hunks(unifiedDiff(a, b, 'f')), hunks(gnuDiff(a, b)));
	}
});

test('CRLF files diff by their text, and a missing final newline is shown', () => {
	const diff = unifiedDiff('a\r\nb\r\n', 'a\r\nc\r\n', 'f');
	assert.match(diff, /^-b$/m);
	assert.match(diff, /^\+c$/m);
	assert.match(unifiedDiff('a\nb', 'a\nc', 'f'), /No newline at end of file/);
});
