/**
 * The second slot service of the end-to-end tests: a local stack answering as rgw-upload.localhost that
 * signs for a Ceph RGW bucket (configured as the stack's, URLs signed with the slot handler role's
 * temporary credentials), so a real client's PUT through a real XMPP server lands on a real S3.
 */
import { type LocalStack, startLocalStack } from '../../../local/stack.ts';
import { type Rgw, startRgw } from '../../support/rgw.ts';
import { prepareRgwUploads } from '../../support/rgw-uploads.ts';
import { synthStack } from '../../support/stack-bucket.ts';
import { RGW_SERVICE_JID, STACK_ENV } from './upload-suite.ts';

export interface RgwStack {
  readonly stack: LocalStack;
  close(): Promise<void>;
}

export async function startRgwStack(): Promise<RgwStack> {
  const rgw: Rgw = await startRgw({ sts: true });
  try {
    const s3 = await prepareRgwUploads(rgw, 'xmpp-s3-upload-e2e', synthStack());
    const stack = await startLocalStack({ env: { ...STACK_ENV, UPLOAD_SERVICE_JID: RGW_SERVICE_JID }, s3 });
    return {
      stack,
      async close() {
        await stack.close();
        await rgw.close();
      },
    };
  } catch (error) {
    await rgw.close();
    throw error;
  }
}
