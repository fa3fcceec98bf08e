import { Token } from 'aws-cdk-lib';

/** An S3 location split into bucket and key prefix, when it is not a token. */
export function parseS3Uri(uri: string): { bucket: string; key: string } | undefined {
  if (Token.isUnresolved(uri)) return undefined;
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  return m ? { bucket: m[1], key: m[2] ?? '' } : undefined;
}
