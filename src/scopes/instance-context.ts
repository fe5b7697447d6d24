/**
 * An OSB instance id as one scope segment. Instance ids are RFC 3986 unreserved characters, but a scope
 * segment is `[a-zA-Z0-9_-]*` and `.` splits segments, so the id is escaped: `_` -> `_5f`, `.` -> `_2e`,
 * `~` -> `_7e` (injective: every `_` in the segment starts an escape). Bindings are granted scopes on it
 * and the gateway asks for them; both use this one function.
 */
const ESCAPES: Readonly<Record<string, string>> = { _: '_5f', '.': '_2e', '~': '_7e' };

export const scopeContextOf = (instanceId: string): string => instanceId.replace(/[_.~]/g, (c) => ESCAPES[c]!);
