// A reporter for node's test runner (scripts/test.js adds it beside TAP): at the end, the ten
// test files that took longest, so the suite's time stays visible. A file's time is the sum of
// its top-level tests' durations (Node 20 reports each file as one top-level test, Node 22 and
// later its tests directly; tests inside a file run one after another).
export default async function* slowestFiles(source) {
	const byFile = new Map();
	for await (const event of source) {
		if ((event.type !== 'test:pass' && event.type !== 'test:fail') || event.data.nesting !== 0) continue;
		const file = event.data.file ?? event.data.name;
		byFile.set(file, (byFile.get(file) ?? 0) + (event.data.details?.duration_ms ?? 0));
	}

	const slowest = [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 10);
	if (slowest.length === 0) return;
	const cwd = `${process.cwd()}/`;
	yield `# slowest test files (of ${byFile.size}):\n`;
	for (const [file, ms] of slowest) yield `#   ${(ms / 1000).toFixed(1).padStart(6)} s  ${file.startsWith(cwd) ? file.slice(cwd.length) : file}\n`;
}
