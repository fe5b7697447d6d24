export { SecretBox, SecretDecryptionError, keyIdOf } from './secret-box';
export {
  ENCRYPTION_KEY_ENV,
  ENCRYPTION_KEY_FILE,
  ensurePrivateDir,
  loadEncryptionKey,
  loadSecretBox,
  parseEncryptionKey,
  type LoadKeyOptions,
} from './keys';
export { TOKEN_PREFIX, generatePassword, generateToken, hashToken, tokenMatchesHash } from './tokens';
