/**
 * AES-256-GCM envelope for secrets at rest.
 *
 * Envelope: `v1:<keyId>:<iv>:<tag>:<ciphertext>`, parts base64url. `keyId` is the first 8 bytes of
 * sha256(key) (hex) so a wrong key is reported as such rather than as tampering. The caller passes
 * associated data naming where the value lives (e.g. `binding:<instance>/<binding>:credentials`): a
 * ciphertext copied into another row fails authentication.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Decryption refused: wrong key, altered ciphertext, or a value moved to another row. */
export class SecretDecryptionError extends Error {
  override readonly name = 'SecretDecryptionError';
}

export const keyIdOf = (key: Buffer): string => createHash('sha256').update(key).digest('hex').slice(0, 16);

export class SecretBox {
  readonly keyId: string;
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) {
      throw new RangeError(`SecretBox key must be ${KEY_BYTES} bytes, got ${key.length}`);
    }
    this.#key = Buffer.from(key);
    this.keyId = keyIdOf(this.#key);
  }

  seal(plaintext: string, associatedData: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, this.keyId, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join(':');
  }

  open(envelope: string, associatedData: string): string {
    const parts = envelope.split(':');
    if (parts.length !== 5 || parts[0] !== VERSION) {
      throw new SecretDecryptionError(`not a ${VERSION} secret envelope (expected ${VERSION}:<keyId>:<iv>:<tag>:<ciphertext>)`);
    }
    const [, keyId, ivText, tagText, ciphertextText] = parts as [string, string, string, string, string];
    if (keyId !== this.keyId) {
      throw new SecretDecryptionError(
        `secret was encrypted with key ${keyId} but the configured key is ${this.keyId}: ` +
          'set OVSB_ENCRYPTION_KEY (or <data dir>/encryption.key) to the key used when it was written',
      );
    }
    const iv = Buffer.from(ivText, 'base64url');
    const tag = Buffer.from(tagText, 'base64url');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new SecretDecryptionError('secret envelope has a malformed IV or authentication tag');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(Buffer.from(ciphertextText, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptionError(`secret for ${associatedData} failed authentication: it was altered or belongs elsewhere`);
    }
  }

  sealJson(value: unknown, associatedData: string): string {
    return this.seal(JSON.stringify(value), associatedData);
  }

  openJson<T>(envelope: string, associatedData: string): T {
    return JSON.parse(this.open(envelope, associatedData)) as T;
  }
}
