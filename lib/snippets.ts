/**
 * Ready-to-paste configuration for the XMPP server and the component bridge, emitted as stack
 * outputs and construct attributes. No snippet holds a secret: the slot secret goes from Secrets
 * Manager into a file on the XMPP host, and the component secret is the operator's own.
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

/** Where the bridge's files live on the XMPP host (the layout of the systemd unit in contrib/). */
export const BRIDGE_FILES = {
  dir: '/etc/xmpp-s3-upload',
  slotSecret: '/etc/xmpp-s3-upload/slot-secret',
  componentSecret: '/etc/xmpp-s3-upload/component-secret',
} as const;

/**
 * How to run the bridge next to the XMPP server: both secrets into root-only files (the slot
 * secret straight from Secrets Manager, the component secret generated), then the installed
 * `xmpp-s3-upload component` reading them. No secret is ever a command-line argument (the process
 * list shows those), and nothing runs `npx` (the package name is not published).
 */
export function bridgeCommand(input: SnippetInput): string {
  return [
    '# 1. both secrets into files only root can read:',
    `sudo install -d -m 0755 ${BRIDGE_FILES.dir}`,
    `aws secretsmanager get-secret-value --region ${input.region} --secret-id ${input.secretArn} --query SecretString --output text` +
      ` | sudo install -m 0600 /dev/stdin ${BRIDGE_FILES.slotSecret}`,
    `sudo sh -c 'umask 077; LC_ALL=C tr -dc A-Za-z0-9 </dev/urandom | head -c 32 > ${BRIDGE_FILES.componentSecret}'`,
    `# 2. put that component secret (sudo cat ${BRIDGE_FILES.componentSecret}) in place of ${COMPONENT_SECRET_PLACEHOLDER} in the XMPP server's config`,
    '# 3. run the bridge (npm install -g ./xmpp-s3-upload-<version>.tgz; contrib/xmpp-s3-upload-bridge.service runs it as a service):',
    [
      'sudo xmpp-s3-upload component',
      `--jid ${input.serviceJid}`,
      `--server 127.0.0.1:${COMPONENT_PORT}`,
      `--endpoint ${input.endpoint}`,
      `--secret-file ${BRIDGE_FILES.slotSecret}`,
      `--component-secret-file ${BRIDGE_FILES.componentSecret}`,
    ].join(' '),
  ].join('\n');
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
