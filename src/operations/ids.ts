import { randomBytes } from 'node:crypto';

/** Opaque OSB `operation` value: URL-safe, unguessable, short. */
export const newOperationId = (): string => `op-${randomBytes(12).toString('base64url')}`;
