/**
 * NO_COLOR (no-color.org) as chalk understands it: chalk, inside Ink and the
 * painted first frame, reads FORCE_COLOR once, when it loads, and does not
 * look at NO_COLOR. Imported first by the CLI, so this runs before anything
 * that could load chalk.
 */
if (process.env['NO_COLOR']) process.env['FORCE_COLOR'] = '0';
