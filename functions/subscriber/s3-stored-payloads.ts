import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { StoredPayloadPointer } from './read-event.js';
import type { StoredPayloads } from './stored-payloads.js';

/** Reads stored bodies with the S3 client (the construct grants `s3:GetObject` on the provider's prefix). */
export class S3StoredPayloads implements StoredPayloads {
  constructor(private readonly client: S3Client = new S3Client({})) {}

  async get(pointer: StoredPayloadPointer): Promise<Buffer> {
    const answer = await this.client.send(new GetObjectCommand({ Bucket: pointer.bucket, Key: pointer.key }));
    if (answer.Body === undefined) throw new Error(`s3://${pointer.bucket}/${pointer.key} has no body.`);
    return Buffer.from(await answer.Body.transformToByteArray());
  }
}
