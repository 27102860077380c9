import path from 'node:path';
import type {LoadedConfig} from './current-config.js';

/**
 * The files of the mode in use, for the texts that name them: the settings
 * and the password live in settings.py and zulip-secrets.conf on a Zulip
 * server, in compose.override.yaml and .env (or the secret's file) under
 * Compose, in the values file and a Secret manifest under Helm. Both faces
 * and the fixes read them here, so no text names /etc/zulip's files in a
 * mode that has none.
 */
export interface ModeFiles {
	/** Where EMAIL_HOST_USER, ZULIP_ADMINISTRATOR and the other settings live. */
	readonly settings: string;
	/** Where the password lives. */
	readonly secrets: string;
}

/** The paths. */
export function modeFiles(loaded: LoadedConfig): ModeFiles {
	switch (loaded.kind) {
		case 'host': return loaded.paths;
		case 'compose': {
			const {files, effective} = loaded;
			const secrets = effective.secret.kind === 'file' ? effective.secret.path : effective.secret.kind === 'legacy' ? files.editable : files.envFile;
			return {settings: files.editable, secrets};
		}

		case 'helm': return {settings: loaded.valuesPath, secrets: loaded.manifestPath};
		default: {
			const unhandled: never = loaded;
			return unhandled;
		}
	}
}

/** The same files in words for a sentence: "settings.py", "compose.override.yaml", "the Kubernetes Secret in zulip-email-secret.yaml". */
export function modeFileWords(loaded: LoadedConfig | undefined): ModeFiles {
	if (!loaded) return {settings: 'settings.py', secrets: 'zulip-secrets.conf'};
	const files = modeFiles(loaded);
	const settings = path.basename(files.settings);
	if (loaded.kind === 'helm') return {settings, secrets: `the Kubernetes Secret in ${path.basename(files.secrets)}`};
	return {settings, secrets: path.basename(files.secrets)};
}
