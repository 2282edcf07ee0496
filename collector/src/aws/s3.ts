import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';

/** GetObject read to the end: the bytes and LastModified. SDK errors are passed on as they are. */
export async function getObjectBytes(client: S3Client, bucket: string, key: string, signal: AbortSignal): Promise<{ body: Uint8Array; lastModified?: Date }> {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
  if (!out.Body) throw new Error('the response has no body');
  const body = await out.Body.transformToByteArray();
  return { body, ...(out.LastModified ? { lastModified: out.LastModified } : {}) };
}
