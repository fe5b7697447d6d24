/**
 * HTTP Basic authentication (OSB "Platform to Service Broker Authentication"): every /v2 request, 401
 * otherwise. Both fields are compared in constant time over their SHA-256 digests (equal length whatever
 * the input), and both comparisons always run, so timing reveals neither which field was wrong nor how
 * much of it matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { OsbError } from '../../src/errors';

export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** `Authorization: Basic base64(user:password)` -> its parts, or undefined when absent or malformed. */
export function parseBasicAuthorization(header: string | undefined): BasicCredentials | undefined {
  const match = header === undefined ? null : /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

interface CredentialDigests {
  readonly username: Buffer;
  readonly password: Buffer;
}

const digestsOf = (credentials: BasicCredentials): CredentialDigests => ({ username: digest(credentials.username), password: digest(credentials.password) });

function digestsMatch(presented: BasicCredentials, expected: CredentialDigests): boolean {
  const userOk = timingSafeEqual(digest(presented.username), expected.username);
  const passwordOk = timingSafeEqual(digest(presented.password), expected.password);
  return userOk && passwordOk;
}

export const credentialsMatch = (presented: BasicCredentials, expected: BasicCredentials): boolean => digestsMatch(presented, digestsOf(expected));

export interface BasicAuthOptions {
  /** The 401 description when credentials are presented but wrong. @default names the broker credentials */
  readonly wrongCredentials?: string;
}

const BROKER_CREDENTIALS_HINT =
  'the user name or password is wrong: use the broker credentials (OVSB_USERNAME / OVSB_PASSWORD, or the generated password in the data dir)';

/** Accepts any of `expected` (e.g. introspection and broker credentials): every set is compared, always. */
export function basicAuth(expected: BasicCredentials | readonly BasicCredentials[], options: BasicAuthOptions = {}): RequestHandler {
  // The expected side is hashed once, not per request.
  const sets = Array.isArray(expected) ? expected : [expected as BasicCredentials];
  const expectedDigests = sets.map(digestsOf);
  // Platforms send the canonical header on every poll: one digest of the whole header settles it. Any
  // other spelling (scheme case, spaces) takes the parsing path below. Every set is compared either way:
  // the time taken does not tell which set (if any) matched.
  const canonicalDigests = sets.map(({ username, password }) => digest(`Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`));
  return (req, res, next) => {
    const header = req.headers.authorization;
    const headerDigest = header === undefined ? undefined : digest(header);
    if (headerDigest !== undefined && canonicalDigests.map((canonical) => timingSafeEqual(headerDigest, canonical)).includes(true)) {
      next();
      return;
    }
    const presented = parseBasicAuthorization(header);
    const matches = presented === undefined ? [] : expectedDigests.map((digests) => digestsMatch(presented, digests));
    if (matches.includes(true)) {
      next();
      return;
    }
    res.set('WWW-Authenticate', 'Basic realm="ovsb", charset="UTF-8"');
    next(
      new OsbError(
        401,
        'Unauthorized',
        presented === undefined
          ? 'HTTP Basic authentication is required: send Authorization: Basic base64(username:password) with the broker credentials'
          : (options.wrongCredentials ?? BROKER_CREDENTIALS_HINT),
      ),
    );
  };
}
