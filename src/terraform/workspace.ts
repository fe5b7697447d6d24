/**
 * One terraform working directory per service instance: `<dataDir>/workspaces/<id>` where `<id>` is
 * derived from a SHA-256 of the instance key, so an OSB instance id (caller-chosen text) never becomes
 * part of a path. A workspace holds:
 * - `cdk.tf.json`: the last synthesised configuration (kept after apply: destroy needs it);
 * - `.terraform.lock.hcl`: terraform's dependency lock file, kept across runs so an update uses the
 *   provider versions the instance was created with;
 * - `.terraform/`: providers and backend settings from `terraform init`;
 * - with the local backend, the state (`terraform.tfstate` and its backup).
 * Directories are 0700 and files the runner writes 0600; after each terraform run the runner tightens
 * what terraform created (state, backup, lock file) the same way.
 */
import { isObject } from '../json';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, normalize, sep } from 'node:path';

export const CONFIG_FILE = 'cdk.tf.json';
export const DEPENDENCY_LOCK_FILE = '.terraform.lock.hcl';
export const DEFAULT_LOCAL_STATE = 'terraform.tfstate';

export interface Workspace {
  /** `ws-` + 32 hex digits of SHA-256(instance key). */
  readonly id: string;
  readonly dir: string;
  readonly configFile: string;
  readonly dependencyLockFile: string;
}

/** The state a local-backend workspace holds, read from its state file. */
export type LocalStateStatus =
  | { readonly kind: 'absent' }
  /** State exists and holds no managed resource instances: nothing to destroy. */
  | { readonly kind: 'empty' }
  | { readonly kind: 'resources'; readonly count: number }
  /** The file exists but is not a readable state (e.g. truncated by a crash): let terraform judge. */
  | { readonly kind: 'unreadable' };

const WORKSPACE_ID = /^ws-[0-9a-f]{32}$/;

export function workspaceId(instanceKey: string): string {
  return `ws-${createHash('sha256').update(instanceKey, 'utf8').digest('hex').slice(0, 32)}`;
}


/** Managed resource instances in a terraform state document (v4 format); undefined if not a state. */
export function managedInstanceCount(state: unknown): number | undefined {
  if (!isObject(state) || !Array.isArray(state['resources'])) return undefined;
  let count = 0;
  for (const resource of state['resources']) {
    if (!isObject(resource) || resource['mode'] !== 'managed') continue;
    count += Array.isArray(resource['instances']) ? resource['instances'].length : 0;
  }
  return count;
}

export class Workspaces {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'workspaces');
  }

  for(instanceKey: string): Workspace {
    return this.byId(workspaceId(instanceKey));
  }

  /** The workspace of an id from `list()`. */
  byId(id: string): Workspace {
    if (!WORKSPACE_ID.test(id)) throw new Error(`not a workspace id: ${id}`);
    const dir = join(this.root, id);
    return { id, dir, configFile: join(dir, CONFIG_FILE), dependencyLockFile: join(dir, DEPENDENCY_LOCK_FILE) };
  }

  /** Ids of the workspace directories present. */
  async list(): Promise<string[]> {
    try {
      return (await readdir(this.root, { withFileTypes: true })).filter((entry) => entry.isDirectory() && WORKSPACE_ID.test(entry.name)).map((entry) => entry.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  async exists(ws: Workspace): Promise<boolean> {
    return (await statOrUndefined(ws.dir))?.isDirectory() ?? false;
  }

  async create(ws: Workspace): Promise<void> {
    for (const dir of [this.root, ws.dir]) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chmod(dir, 0o700);
    }
  }

  /** Writes `cdk.tf.json` atomically, 0600. */
  async writeConfig(ws: Workspace, config: object): Promise<void> {
    await this.create(ws);
    const temporary = join(ws.dir, `.${CONFIG_FILE}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      await rename(temporary, ws.configFile);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  /** The kept configuration, or undefined when the workspace has none. */
  async readConfig(ws: Workspace): Promise<object | undefined> {
    let text: string;
    try {
      text = await readFile(ws.configFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const parsed: unknown = JSON.parse(text);
    if (!isObject(parsed)) throw new Error(`${ws.configFile} does not hold a JSON object`);
    return parsed;
  }

  async removeConfig(ws: Workspace): Promise<void> {
    await rm(ws.configFile, { force: true });
  }

  /** Whether `terraform init` ever completed here (it creates `.terraform/`). */
  async isInitialised(ws: Workspace): Promise<boolean> {
    return (await statOrUndefined(join(ws.dir, '.terraform')))?.isDirectory() ?? false;
  }

  /** Reads the local backend's state file (`statePath` relative to the workspace). */
  async localState(ws: Workspace, statePath: string = DEFAULT_LOCAL_STATE): Promise<LocalStateStatus> {
    let text: string;
    try {
      text = await readFile(resolveInside(ws.dir, statePath), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
      throw error;
    }
    let count: number | undefined;
    try {
      count = managedInstanceCount(JSON.parse(text));
    } catch {
      count = undefined;
    }
    if (count === undefined) return { kind: 'unreadable' };
    return count === 0 ? { kind: 'empty' } : { kind: 'resources', count };
  }

  /** 0600 for every file terraform leaves at the top of the workspace and for `.terraform/terraform.tfstate`; 0700 for `.terraform/`. */
  async tightenPermissions(ws: Workspace): Promise<void> {
    let entries;
    try {
      entries = await readdir(ws.dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const path = join(ws.dir, entry.name);
      if (entry.isFile()) await chmod(path, 0o600);
      else if (entry.isDirectory() && entry.name === '.terraform') {
        await chmod(path, 0o700);
        const backendState = join(path, 'terraform.tfstate');
        if (await statOrUndefined(backendState)) await chmod(backendState, 0o600);
      }
    }
  }

  async remove(ws: Workspace): Promise<void> {
    await rm(ws.dir, { recursive: true, force: true });
  }
}

/** `relative` resolved under `dir`; refuses absolute paths and `..` escapes. */
export function resolveInside(dir: string, relative: string): string {
  const normalised = normalize(relative);
  if (isAbsolute(relative) || normalised === '..' || normalised.startsWith(`..${sep}`)) {
    throw new RangeError(`path ${JSON.stringify(relative)} must stay inside the workspace`);
  }
  return join(dir, normalised);
}

async function statOrUndefined(path: string) {
  try {
    return await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
