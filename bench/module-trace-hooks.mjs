// Loader hooks of bench/module-trace.mjs: every file loaded, with the time it was read.
import {appendFileSync} from 'node:fs';

let log;
export function initialize(data) {
	log = data.log;
}

export async function load(url, context, next) {
	const result = await next(url, context);
	if (url.startsWith('file:')) appendFileSync(log, `${process.hrtime.bigint()} ${url}\n`);
	return result;
}
