import { createHash } from 'node:crypto';

/**
 * A client request token derived from an event id, so that a second delivery of the same
 * event makes the same request and the service itself refuses to act twice.
 *
 * SageMaker accepts up to 128 characters matching [a-zA-Z0-9-]; CodePipeline up to 128
 * matching ^[a-zA-Z0-9-]+$. A hex SHA-256 (64 characters) with a short prefix fits both.
 */
export function requestTokenFor(purpose: string, eventId: string): string {
  const digest = createHash('sha256').update(`${purpose}\n${eventId}`).digest('hex');
  return `${purpose.replace(/[^a-zA-Z0-9]/g, '').slice(0, 20)}-${digest}`;
}
