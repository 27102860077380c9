/**
 * Inside a docker-zulip container, /etc/zulip/settings.py is rebuilt from
 * the environment at every start, and zulip-secrets.conf (in the data
 * volume) has its keys set again from the container's secrets: an edit
 * there works until the next `docker compose up`, then silently vanishes. Detected so the tool can say so and name the host-side command.
 */
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {ConfigError} from '../engine/errors.js';

export interface ContainerInfo {
	/** Running in a Kubernetes pod (the Helm chart) rather than under Compose. */
	readonly kubernetes: boolean;
	/** MANUAL_CONFIGURATION: settings.py in the volume is the configuration, but the secrets step still runs. */
	readonly manual?: boolean;
	/** Where the entrypoint takes email_password from at every start, if anywhere (a zulip__ secret or SECRETS_ variable). */
	readonly passwordSource?: string;
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
	const kubernetes = env.KUBERNETES_SERVICE_HOST !== undefined;
	// With MANUAL_CONFIGURATION settings.py is the configuration, and editing it is right; the password is not (see below).
	if (/^(true|enabled?|yes|y|1|on)$/i.test(env.MANUAL_CONFIGURATION ?? '')) {
		const passwordSource = passwordSourceIn(root, env);
		return {kubernetes, manual: true, ...(passwordSource ? {passwordSource} : {})};
	}

	return {kubernetes};
}

/**
 * What the entrypoint's secrets step, which runs in manual mode too, sets
 * email_password from at every start (entrypoint.sh secretsConfiguration:
 * SECRETS_* variables, then /run/secrets/zulip__* files, each written with
 * crudini, an empty one included).
 */
function passwordSourceIn(root: string, env: NodeJS.ProcessEnv): string | undefined {
	if (existsSync(path.join(root, 'run', 'secrets', 'zulip__email_password'))) return 'the zulip__email_password Docker secret';
	if (env.SECRETS_email_password !== undefined) return 'the SECRETS_email_password variable';
	if (env.SECRETS_email_password_FILE !== undefined) return 'the SECRETS_email_password_FILE variable';
	return undefined;
}

/** Why a password written here under MANUAL_CONFIGURATION does not last, when the entrypoint has a source for it. */
export function manualPasswordNote(info: ContainerInfo): string | undefined {
	if (!info.manual || !info.passwordSource) return undefined;
	const where = info.kubernetes ? 'the Kubernetes Secret behind SECRETS_email_password (zulip-email-setup --helm-values)' : 'ZULIP__EMAIL_PASSWORD in .env on the Docker host, or the secret\'s file (zulip-email-setup --docker)';
	return `This container runs with MANUAL_CONFIGURATION, but its entrypoint still sets email_password in zulip-secrets.conf from ${info.passwordSource} at every start: the password written here is replaced at the next restart. Change it in ${where}.`;
}

/** Why this tool will not edit the generated files here, and the command to run instead. */
export function containerError(info: ContainerInfo): ConfigError {
	const command = info.kubernetes
		? 'zulip-email-setup --helm-values values.yaml (on the machine where you run helm, with the values file you pass to helm upgrade -f)'
		: 'zulip-email-setup --docker /path/to/docker-zulip (on the Docker host, with the directory that holds compose.yaml)';
	return new ConfigError(
		'This is a docker-zulip container: /etc/zulip/settings.py is rebuilt from its environment at every start, and zulip-secrets.conf\'s keys are set again from its secrets, so a change made here would be lost at the next restart.',
		`Configure the deployment instead: ${command}. Nothing was changed. (--check still tests the configuration running here.)`,
		'docker-container',
	);
}
