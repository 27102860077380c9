/**
 * NO_COLOR (no-color.org) as chalk understands it: chalk, inside Ink and the
 * painted first frame, reads FORCE_COLOR once, when it loads, and does not
 * look at NO_COLOR. The CLI calls this before anything could load chalk.
 */
export function mapNoColor(env: NodeJS.ProcessEnv): void {
	if (env['NO_COLOR']) env['FORCE_COLOR'] = '0';
}
