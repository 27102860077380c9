/**
 * Inside a docker-zulip container, /etc/zulip/settings.py and
 * zulip-secrets.conf are regenerated from the environment at every start:
 * an edit there works until the next `docker compose up`, then silently
 * vanishes. Detected so the tool can say so and name the host-side command.
 */
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {ConfigError} from '../engine/errors.js';

export interface ContainerInfo {
	/** Running in a Kubernetes pod (the Helm chart) rather than under Compose. */
	readonly kubernetes: boolean;
}

/**
 * Whether DIR is a docker-zulip checkout: a compose file (either layout)
 * with a zulip service whose image is Zulip's. A text check, so the wizard's
 * start loads no YAML parser for it.
 */
export function isDockerZulipCheckout(dir: string): boolean {
	for (const name of ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml']) {
		let text: string;
		try {
			text = readFileSync(path.join(dir, name), 'utf8');
		} catch {
			continue;
		}

		return /^ {2}zulip:\s*$/m.test(text) && /^\s+image:.*(zulip-server|docker-zulip)/m.test(text);
	}

	return false;
}

/** docker-zulip's entrypoint, as its Dockerfile installs it. */
const ENTRYPOINT = 'sbin/entrypoint.sh';

/** Whether this process runs in a docker-zulip container whose settings are generated (not MANUAL_CONFIGURATION). */
export function dockerZulipContainer(root = '/', env: NodeJS.ProcessEnv = process.env): ContainerInfo | null {
	if (!existsSync(path.join(root, '.dockerenv'))) return null;
	let entrypoint: string;
	try {
		entrypoint = readFileSync(path.join(root, ENTRYPOINT), 'utf8');
	} catch {
		return null;
	}

	if (!entrypoint.includes('setConfigurationValue')) return null;
	// With MANUAL_CONFIGURATION the files are the configuration, and editing them is right.
	if (/^(true|enabled?|yes|y|1|on)$/i.test(env.MANUAL_CONFIGURATION ?? '')) return null;
	return {kubernetes: env.KUBERNETES_SERVICE_HOST !== undefined};
}

/** Why this tool will not edit the generated files here, and the command to run instead. */
export function containerError(info: ContainerInfo): ConfigError {
	const command = info.kubernetes
		? 'zulip-email-setup --helm-values values.yaml (on the machine where you run helm, with the values file you pass to helm upgrade -f)'
		: 'zulip-email-setup --docker /path/to/docker-zulip (on the Docker host, with the directory that holds compose.yaml)';
	return new ConfigError(
		'This is a docker-zulip container: /etc/zulip/settings.py and zulip-secrets.conf are regenerated from its environment at every start, so a change made here would be lost at the next restart.',
		`Configure the deployment instead: ${command}. Nothing was changed. (--check still tests the configuration running here.)`,
		'docker-container',
	);
}
