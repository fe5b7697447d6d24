/** Reading OVSB_* variables: the one place that says what a set value and an integer setting are. */
import { ConfigError } from './errors';

export type Env = Readonly<Record<string, string | undefined>>;

/** The value if set and not blank, trimmed. */
export function envValue(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

/** A whole number from `min` to `max`; `fallback` when unset. Throws ConfigError naming the variable and the range. */
export function envInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const text = envValue(env, name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new ConfigError(name, '', `"${text}" is not an integer from ${min} to ${max}; set it to e.g. ${fallback} or unset it for ${fallback}`);
  }
  return Number(text);
}
