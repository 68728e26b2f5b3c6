/**
 * Ready-to-paste configuration for the XMPP server and the component bridge, emitted as stack
 * outputs. The bridge fetches the slot secret from Secrets Manager at start, so no snippet
 * ever holds it; the component secret is the operator's own and stays a placeholder.
 */

/** What the snippets need; `endpoint`, `secretArn` and `region` may be CDK tokens. */
export interface SnippetInput {
  readonly serviceJid: string;
  readonly endpoint: string;
  readonly secretArn: string;
  readonly region: string;
}

/** Placeholder for the XEP-0114 component password shared by the XMPP server and the bridge. */
export const COMPONENT_SECRET_PLACEHOLDER = '<component-secret>';

/** The XEP-0114 component port, on loopback, as in Prosody's and ejabberd's docs. */
export const COMPONENT_PORT = 5347;

/** The bridge command: connects to the XMPP server as the component and forwards IQs to the endpoint. */
export function bridgeCommand(input: SnippetInput): string {
  const secret = `"$(aws secretsmanager get-secret-value --region ${input.region} --secret-id ${input.secretArn} --query SecretString --output text)"`;
  return [
    'npx xmpp-s3-upload component',
    `--jid ${input.serviceJid}`,
    `--server 127.0.0.1:${COMPONENT_PORT}`,
    `--component-secret '${COMPONENT_SECRET_PLACEHOLDER}'`,
    `--endpoint ${input.endpoint}`,
    `--secret ${secret}`,
  ].join(' ');
}

/**
 * Prosody: the component listener on loopback and the component itself. Lines after a
 * `VirtualHost`/`Component` line belong to that host, so the listener goes in the global section.
 */
export function prosodySnippet(input: SnippetInput): string {
  return [
    '-- global section (before the first VirtualHost):',
    `component_ports = { ${COMPONENT_PORT} }`,
    'component_interfaces = { "127.0.0.1" }',
    '-- end of the file:',
    `Component "${input.serviceJid}"`,
    `    component_secret = "${COMPONENT_SECRET_PLACEHOLDER}"`,
  ].join('\n');
}

/** ejabberd (23.01 syntax): an `ejabberd_service` listener for the upload host. */
export function ejabberdSnippet(input: SnippetInput): string {
  return [
    'listen:',
    `  - port: ${COMPONENT_PORT}`,
    '    ip: "127.0.0.1"',
    '    module: ejabberd_service',
    '    hosts:',
    `      "${input.serviceJid}":`,
    `        password: "${COMPONENT_SECRET_PLACEHOLDER}"`,
  ].join('\n');
}
