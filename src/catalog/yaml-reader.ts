import { ConfigError } from '../errors';

/**
 * A cursor over parsed YAML that knows where it is (`combos[3].consensus`), so every structural error
 * names the file, the path and the reason.
 */
export class YamlNode {
  constructor(
    readonly source: string,
    readonly path: string,
    readonly value: unknown,
  ) {}

  fail(reason: string): never {
    throw new ConfigError(this.source, this.path, reason);
  }

  get isAbsent(): boolean {
    return this.value === undefined || this.value === null;
  }

  child(key: string): YamlNode {
    const map = this.map();
    return new YamlNode(this.source, this.path ? `${this.path}.${key}` : key, map[key]);
  }

  /** The value as a mapping; `allowedKeys` catches typos such as `netwroks`. */
  map(allowedKeys?: readonly string[]): Readonly<Record<string, unknown>> {
    const { value } = this;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(`expected a mapping (key: value), got ${describe(value)}`);
    }
    const record = value as Record<string, unknown>;
    if (allowedKeys) {
      for (const key of Object.keys(record)) {
        if (!allowedKeys.includes(key)) {
          const where = this.path ? `${this.path}.${key}` : key;
          throw new ConfigError(this.source, where, `unknown key "${key}"; expected one of: ${allowedKeys.join(', ')}`);
        }
      }
    }
    return record;
  }

  /** Entries of a mapping whose keys are free-form (client names, network names). */
  entries(): YamlNode[] {
    return Object.keys(this.map()).map((key) => this.child(key));
  }

  get key(): string {
    const dot = this.path.lastIndexOf('.');
    return dot < 0 ? this.path : this.path.slice(dot + 1);
  }

  items(): YamlNode[] {
    if (!Array.isArray(this.value)) this.fail(`expected a list, got ${describe(this.value)}`);
    return this.value.map((item, index) => new YamlNode(this.source, `${this.path}[${index}]`, item));
  }

  string(): string {
    if (typeof this.value !== 'string' || this.value.trim() === '') {
      this.fail(`expected a non-empty string, got ${describe(this.value)}`);
    }
    return this.value;
  }

  optionalString(): string | undefined {
    return this.isAbsent ? undefined : this.string();
  }

  number(min: number, max: number): number {
    if (typeof this.value !== 'number' || !Number.isFinite(this.value)) {
      this.fail(`expected a number, got ${describe(this.value)}`);
    }
    if (this.value < min || this.value > max) this.fail(`${this.value} is out of range: expected ${min} to ${max}`);
    return this.value;
  }

  integer(min: number, max: number): number {
    const value = this.number(min, max);
    if (!Number.isInteger(value)) this.fail(`expected a whole number, got ${value}`);
    return value;
  }

  boolean(): boolean {
    if (typeof this.value !== 'boolean') this.fail(`expected true or false, got ${describe(this.value)}`);
    return this.value;
  }

  oneOf<T extends string>(allowed: readonly T[]): T {
    const text = this.string();
    if (!(allowed as readonly string[]).includes(text)) {
      this.fail(`"${text}" is not one of: ${allowed.join(', ')}`);
    }
    return text as T;
  }
}

/** How a YAML value reads in a message: `a list`, `the string "x"`, `number 3`. */
export function describe(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string "${value.length > 60 ? `${value.slice(0, 60)}...` : value}"`;
  return `${typeof value} ${String(value)}`;
}
