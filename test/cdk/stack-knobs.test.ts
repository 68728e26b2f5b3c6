import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NAG_REASONS } from '../../lib/nag-acknowledgments.ts';
import { type Synthesized, synthesize } from './synth.ts';

type AlarmResource = { Properties: { AlarmActions?: unknown[] } };

let email: Synthesized;
let topic: Synthesized;
let forever: Synthesized;
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:xmpp-alarms';

// Every value as a string, the way `cdk deploy -c key=value` delivers it.
beforeAll(() => {
  email = synthesize({
    domains: 'example.org',
    reservedConcurrency: '20',
    memorySizeMb: '512',
    purposes: 'message,profile',
    profileRetentionDays: '30',
    logRetentionDays: '90',
    alarmEmail: 'ops@example.org',
  });
  topic = synthesize({ domains: 'example.org', alarmTopicArn: TOPIC_ARN, retentionDays: '45', purposes: 'message' });
  forever = synthesize({ domains: 'example.org', retentionDays: '0' });
});
afterAll(() => {
  for (const s of [email, topic, forever]) s?.cleanup();
});

const alarmsOf = (s: Synthesized): AlarmResource[] => Object.values(s.template.findResources('AWS::CloudWatch::Alarm')) as AlarmResource[];

describe('deploy-time context knobs', () => {
  it('sets reserved concurrency and memory on the slot Lambda', () => {
    email.template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 20, MemorySize: 512 });
  });

  it('keeps the logs as long as logRetentionDays says', () => {
    email.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('derives the log retention from the longest file retention: the next CloudWatch value, or never expiring', () => {
    topic.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 60 });
    forever.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: Match.absent() });
  });

  it('creates a TLS-only topic with the e-mail subscription, and every alarm notifies it', () => {
    email.template.resourceCountIs('AWS::SNS::Topic', 1);
    email.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.org' });
    email.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
    const topicRef = { Ref: Object.keys(email.template.findResources('AWS::SNS::Topic'))[0] };
    expect(alarmsOf(email)).toHaveLength(3);
    for (const alarm of alarmsOf(email)) expect(alarm.Properties.AlarmActions).toEqual([topicRef]);
  });

  it('notifies an existing topic by its ARN without creating one', () => {
    topic.template.resourceCountIs('AWS::SNS::Topic', 0);
    expect(alarmsOf(topic)).toHaveLength(3);
    for (const alarm of alarmsOf(topic)) expect(alarm.Properties.AlarmActions).toEqual([TOPIC_ARN]);
  });

  it('stays cdk-nag clean with the topic, acknowledging nothing more than without it', () => {
    const nag = email.validationReport.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
    expect(nag?.violations).toEqual([]);
    const rules = new Set(nag?.suppressedViolations.map((v) => v.ruleName.replace(/\[.*$/, '')));
    // The CloudFront findings belong to cdn mode (test/cdk/downloads.test.ts).
    const bucketMode = Object.keys(NAG_REASONS).filter((rule) => !rule.startsWith('AwsSolutions-CFR'));
    expect([...rules].sort()).toEqual(bucketMode.sort());
    expect(email.errors).toEqual([]);
  });
});
