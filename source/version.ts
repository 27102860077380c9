/**
 * `--version`: the tool's version on the first line (what scripts read), then
 * the Node.js running it, which the single executable carries inside.
 */
export async function versionText(toolVersion: string): Promise<string> {
	// node:sea is missing before Node 20.12; the npm build still runs there.
	const embedded = await import('node:sea').then(sea => sea.isSea(), () => false);
	return `${toolVersion}\nNode.js ${process.version}${embedded ? ' (embedded in this executable)' : ''}\n`;
}
