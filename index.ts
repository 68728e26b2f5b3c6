/**
 * The package root: the {@link XmppS3Upload} construct and its props, the stack that wraps it,
 * and the service configuration (types, `parseConfig`, `ConfigError`, the `DEFAULTS` table).
 *
 * ```ts
 * import { XmppS3Upload } from 'xmpp-s3-upload';
 * new XmppS3Upload(stack, 'Upload', { domains: ['example.org'] });
 * ```
 */
export { CONFIG_KEYS, ConfigError, type ConfigKey, DEFAULTS, envName, parseConfig, type ServiceConfig } from './lambda/core/config.ts';
export { type DeploymentOptions, defaultLogRetentionDays } from './lib/deployment-options.ts';
export { PRICE_CLASSES, type PriceClassName } from './lib/download-settings.ts';
export { Downloads, type DownloadsProps } from './lib/downloads.ts';
export { BRIDGE_FILES, COMPONENT_PORT } from './lib/snippets.ts';
export { XmppS3Upload, type XmppS3UploadProps, type XmppS3UploadServiceProps } from './lib/xmpp-s3-upload.ts';
export { OUTPUTS, XmppS3UploadStack, type XmppS3UploadStackProps } from './lib/xmpp-s3-upload-stack.ts';
