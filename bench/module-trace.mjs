// `node --import ./bench/module-trace.mjs`: which files of the bundle load before the first frame
// (bench/startup.ts, untimed). Each file the loader reads is noted with the monotonic clock by the
// hooks (their own thread), and the first write of the question with the same clock here; the
// bench keeps the files read before it. MODULE_TRACE names the log, MODULE_TRACE_MARK the text.
import {appendFileSync} from 'node:fs';
import {register} from 'node:module';

const log = process.env.MODULE_TRACE;
const mark = process.env.MODULE_TRACE_MARK ?? '';
register(new URL('module-trace-hooks.mjs', import.meta.url), {data: {log}});
const write = process.stdout.write;
process.stdout.write = function (chunk, ...rest) {
	if (String(chunk).includes(mark)) {
		appendFileSync(log, `${process.hrtime.bigint()} frame\n`);
		process.stdout.write = write;
	}

	return write.call(this, chunk, ...rest);
};
