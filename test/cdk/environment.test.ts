import { describe, expect, it } from 'vitest';
import { configFromEnv, parseConfig } from '../../lambda/core/config.ts';
import { functionEnvironment } from '../../lib/environment.ts';

const names = { bucketName: 'b', tableName: 't', secretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:s' };

describe('functionEnvironment', () => {
  it('round-trips: the handler parses back exactly the configuration synth validated', () => {
    const config = parseConfig({
      domains: ['example.org'],
      allowedTypes: ['image/*'],
      publicBaseUrl: 'https://files.example.org',
      objectAcl: 'public-read',
    });
    expect(parseConfig(configFromEnv(functionEnvironment(config, names)))).toEqual(config);
  });

  it('leaves unset optional values empty, which the handler reads as unset', () => {
    const env = functionEnvironment(parseConfig({ domains: ['example.org'] }), names);
    expect(env).toMatchObject({ UPLOAD_PUBLIC_BASE_URL: '', UPLOAD_OBJECT_ACL: '' });
  });
});
