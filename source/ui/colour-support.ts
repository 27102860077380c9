/**
 * Whether chalk, inside Ink, will colour the wizard: the part of chalk's
 * supports-color that decides between no colour and some, for stdout, so the
 * first frame can be painted before chalk loads (its module and the node:os
 * and node:tty facades it imports cost ~1.5 ms of the first frame).
 * test/first-frame.test.ts checks this against chalk's own decision for every
 * variable and flag it reads; if the two ever differed, only the colours of
 * the painted frame would, and Ink's frame replaces it.
 */
export function colourSupported(
	env: NodeJS.ProcessEnv = process.env,
	isTTY = Boolean(process.stdout.isTTY),
	argv: readonly string[] = process.argv,
	platform: NodeJS.Platform = process.platform,
): boolean {
	const flag = (name: string) => {
		const position = argv.indexOf(`--${name}`);
		const terminator = argv.indexOf('--');
		return position !== -1 && (terminator === -1 || position < terminator);
	};

	let force: number | undefined;
	if (flag('no-color') || flag('no-colors') || flag('color=false') || flag('color=never')) force = 0;
	else if (flag('color') || flag('colors') || flag('color=true') || flag('color=always')) force = 1;
	const fromEnv = env['FORCE_COLOR'];
	if (fromEnv !== undefined) {
		force = fromEnv === 'true' ? 1 : fromEnv === 'false' ? 0 : fromEnv.length === 0 ? 1 : Math.min(Number.parseInt(fromEnv, 10), 3);
	}

	if (force === 0) return false;
	if (flag('color=16m') || flag('color=full') || flag('color=truecolor') || flag('color=256')) return true;
	if ('TF_BUILD' in env && 'AGENT_NAME' in env) return true;
	if (!isTTY && force === undefined) return false;
	// From here on, "none detected" means the forced level (NaN counts as none).
	const forced = Boolean(force);
	const term = env['TERM'];
	if (term === 'dumb') return forced;
	if (platform === 'win32') return true;
	if ('CI' in env) {
		if (['GITHUB_ACTIONS', 'GITEA_ACTIONS', 'CIRCLECI', 'TRAVIS', 'APPVEYOR', 'GITLAB_CI', 'BUILDKITE', 'DRONE'].some(key => key in env) || env['CI_NAME'] === 'codeship') return true;
		return forced;
	}

	if ('TEAMCITY_VERSION' in env) return /^(9\.(0*[1-9]\d*)\.|\d{2,}\.)/.test(env['TEAMCITY_VERSION']!);
	if (env['COLORTERM'] === 'truecolor' || term === 'xterm-kitty' || term === 'xterm-ghostty' || term === 'wezterm') return true;
	if (env['TERM_PROGRAM'] === 'iTerm.app' || env['TERM_PROGRAM'] === 'Apple_Terminal') return true;
	if (term !== undefined && (/-256(color)?$/i.test(term) || /^screen|^xterm|^vt100|^vt220|^rxvt|color|ansi|cygwin|linux/i.test(term))) return true;
	if ('COLORTERM' in env) return true;
	return forced;
}
