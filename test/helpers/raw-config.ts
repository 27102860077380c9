/**
 * python3's configparser as the judge of what Zulip reads: each text is
 * written to a file and read the way zproject/config.py does
 * (`RawConfigParser().read(path)`, then `get(section, key, fallback=None)`).
 * One python process answers a whole batch.
 */
import {spawnSync} from 'node:child_process';

export interface RawConfigCase {
	readonly text: string;
	/** Lookups to answer with `get(section, key, fallback=None)`. */
	readonly get?: ReadonlyArray<readonly [section: string, key: string]>;
}

export type RawConfigAnswer =
	| {
		readonly ok: true;
		readonly defaults: Array<[string, string]>;
		readonly sections: Array<[string, Array<[string, string]>]>;
		/** One per requested lookup; null where python returns None. */
		readonly got: Array<string | null>;
	}
	| {
		readonly ok: false;
		/** The exception class, e.g. DuplicateOptionError. */
		readonly error: string;
		readonly message: string;
		readonly lines: number[];
	};

const judge = String.raw`
import configparser, json, os, sys, tempfile
cases = json.load(sys.stdin)
answers = []
with tempfile.TemporaryDirectory() as directory:
    path = os.path.join(directory, 'zulip-secrets.conf')
    for case in cases:
        with open(path, 'w', encoding='utf-8', newline='') as f:
            f.write(case['text'])
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding='utf-8')
        except configparser.Error as error:
            lines = [error.lineno] if hasattr(error, 'lineno') else [n for n, _ in error.errors]
            answers.append({'ok': False, 'error': type(error).__name__, 'message': str(error), 'lines': lines})
            continue
        answers.append({
            'ok': True,
            'defaults': list(parser._defaults.items()),
            'sections': [[name, list(values.items())] for name, values in parser._sections.items()],
            'got': [parser.get(section, key, fallback=None) for section, key in case.get('get', [])],
        })
json.dump(answers, sys.stdout)
`;

export function rawConfigReadBatch(cases: readonly RawConfigCase[]): RawConfigAnswer[] {
	const run = spawnSync('python3', ['-c', judge], {input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 1 << 28});
	if (run.status !== 0) throw new Error(`python3 judge failed: ${run.stderr || run.error?.message}`);
	return JSON.parse(run.stdout) as RawConfigAnswer[];
}

/** What Zulip's get_secret would return: the value, null for None, or the parse failure. */
export function rawConfigRead(text: string, section: string, key: string): string | null | {error: string; lines: number[]} {
	const [answer] = rawConfigReadBatch([{text, get: [[section, key]]}]);
	if (!answer!.ok) return {error: answer!.error, lines: answer!.lines};
	return answer!.got[0]!;
}
