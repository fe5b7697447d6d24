/**
 * What the runner needs from a logger. A pino logger satisfies it. Fields never carry secrets: commands
 * are logged in their redacted form, output values and stdout never.
 */
export interface TerraformLog {
  info(fields: Readonly<Record<string, unknown>>, message: string): void;
  warn(fields: Readonly<Record<string, unknown>>, message: string): void;
}
