import {readFileSync} from 'node:fs';
import {parseAllDocuments} from 'yaml';
import type {RecordData} from '../../source/sandbox/dns-wire.js';
import {TYPES} from '../../source/sandbox/dns-wire.js';
import type {ZoneRecords} from './dns-servers.js';

// The RFC 7208 test suite (openspf.org, as shipped with pyspf: test/rfc7208-tests.yml,
// https://github.com/sdgathman/pyspf commit 4bf96ea, 2019-08-30), read the way its
// own driver (pyspf's test/testspf.py) reads it, turned into zones a real DNS server serves.

export type SuiteResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'permerror' | 'temperror';

export interface SuiteTest {
	readonly scenario: string;
	readonly id: string;
	readonly description?: string;
	readonly spec?: string;
	readonly helo: string;
	readonly host: string;
	readonly mailfrom: string;
	/** One result, or several the suite accepts. */
	readonly results: readonly SuiteResult[];
}

export interface SuiteScenario {
	readonly description: string;
	readonly records: ZoneRecords;
	/** Names (lower case) and types the suite marks TIMEOUT: the server must not give an answer. */
	readonly timeouts: readonly {readonly name: string; readonly type?: number; readonly except?: readonly number[]}[];
	readonly tests: readonly SuiteTest[];
}

type YamlRecord = Record<string, unknown> | string;

function toRecord(type: string, value: unknown): RecordData | undefined {
	switch (type) {
		case 'A':
			return {type: 'A', address: String(value)};
		case 'AAAA':
			return {type: 'AAAA', address: String(value)};
		case 'CNAME':
			return {type: 'CNAME', target: String(value)};
		case 'PTR':
			return {type: 'PTR', target: String(value)};
		case 'MX': {
			const [priority, exchange] = value as [number, string];
			return {type: 'MX', priority, exchange};
		}

		case 'TXT':
		case 'SPF':
			return {type, text: Array.isArray(value) ? value.map(String) : String(value)};
		default:
			throw new Error(`the suite uses a record type the loader does not know: ${type}`);
	}
}

/**
 * Zone data as testspf.py's getrdata/loadZone and DNSLookup read it: `TXT: NONE`
 * and `SPF: NONE` publish nothing; an SPF (type 99) record is also served as TXT
 * unless the name has a TXT record of its own; `TIMEOUT` alone times out every
 * question for the name, `{TXT: TIMEOUT}` the TXT question only.
 */
function zoneOf(zonedata: Record<string, readonly YamlRecord[]>): Pick<SuiteScenario, 'records' | 'timeouts'> {
	const records: Record<string, RecordData[]> = {};
	const timeouts: {name: string; type?: number; except?: number[]}[] = [];
	for (const [name, entries] of Object.entries(zonedata)) {
		const owner = name.toLowerCase();
		const data: RecordData[] = [];
		const generated: RecordData[] = [];
		let ownTxt = false;
		// testspf.py walks the entries in order: a bare TIMEOUT times out the types no entry before it answered.
		const before = new Set<number>();
		for (const entry of entries) {
			if (entry === 'TIMEOUT') {
				timeouts.push({name: owner, except: [...before]});
				continue;
			}

			for (const [type, value] of Object.entries(entry as Record<string, unknown>)) if (value !== 'NONE') before.add(TYPES[type as keyof typeof TYPES]);

			for (const [type, value] of Object.entries(entry as Record<string, unknown>)) {
				if (value === 'TIMEOUT') {
					timeouts.push({name: owner, type: TYPES[type as keyof typeof TYPES]});
					continue;
				}

				if (type === 'TXT') ownTxt = true;
				if (value === 'NONE') continue;
				const record = toRecord(type, value);
				if (!record) continue;
				data.push(record);
				if (record.type === 'SPF') generated.push({type: 'TXT', text: record.text});
			}
		}

		records[owner] = ownTxt ? data : [...data, ...generated];
	}

	return {records, timeouts};
}

export function loadSuite(path: string): SuiteScenario[] {
	const documents = parseAllDocuments(readFileSync(path, 'utf8'));
	return documents.map(document => {
		const scenario = document.toJS() as {description: string; tests: Record<string, Record<string, unknown>>; zonedata?: Record<string, YamlRecord[]>};
		const tests = Object.entries(scenario.tests).map(([id, test]) => ({
			scenario: scenario.description,
			id,
			description: test.description as string | undefined,
			spec: test.spec === undefined ? undefined : String(test.spec),
			helo: String(test.helo ?? ''),
			host: String(test.host ?? ''),
			mailfrom: String(test.mailfrom ?? ''),
			results: (Array.isArray(test.result) ? test.result : [test.result]) as SuiteResult[],
		}));
		return {description: scenario.description, ...zoneOf(scenario.zonedata ?? {}), tests};
	});
}

/** Whether the suite's driver times out on this question: marked TIMEOUT, or an unknown name under error. (testspf.py). */
export function timesOut(scenario: SuiteScenario, name: string, type: number): boolean {
	if (scenario.timeouts.some(entry => entry.name === name && (entry.type === undefined || entry.type === type) && !entry.except?.includes(type))) return true;
	return name.startsWith('error.') && !(name in scenario.records);
}
