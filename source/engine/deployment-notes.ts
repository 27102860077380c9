/**
 * What is true of a docker-zulip deployment (Compose or Helm) that is not of
 * a server of one's own, said the same way by both faces. No imports: the
 * wizard may load it early.
 *
 * Source: zulip/docker-zulip docs/reference/ports.md and
 * docs/how-to/compose-incoming-email.md (3a592ad, checked 2026-12): the image
 * exposes port 25, "Inbound SMTP, used by Zulip's email gateway for incoming
 * email", already configured for it (Dockerfile: EXPOSE 25 80 443).
 */
export type DeploymentKind = 'host' | 'compose' | 'helm';

const WHERE: Record<Exclude<DeploymentKind, 'host'>, string> = {compose: 'the Docker host', helm: 'the machine you run helm on'};

/** Why "the local mail server" is refused for a deployment, with what to choose instead; undefined on a host of one's own. */
export function localMtaProblem(kind: DeploymentKind): {message: string; fix: string} | undefined {
	if (kind === 'host') return undefined;
	return {
		message: 'Inside docker-zulip, localhost:25 is Zulip\'s own inbound email gateway (the container\'s Postfix that hands incoming mail to Zulip), not a mail server that sends mail out, and not the host\'s MTA.',
		fix: `Choose a relay (--provider mailgun, postmark, ses…), or a mail server of yours by the address the container reaches it at (--provider custom --host HOST, e.g. the Docker host's address on the container's network).`,
	};
}

/** Which network the live test ran from: this machine's, not the container's. Undefined on a host of one's own. */
export function testNetworkNote(kind: DeploymentKind): string | undefined {
	if (kind === 'host') return undefined;
	return `The live test ran from this machine's network (${WHERE[kind]}), not from inside the Zulip container: a firewall, DNS or a host name that differ there (localhost above all) can make Zulip's own sends fail where this test passed.`;
}
