/**
 * The review's diff engine: two sets of synthesised stacks (stack name -> cdk.tf.json content) in, per
 * stack the resources created / updated / replaced / deleted with the attributes that changed, and the
 * findings a reviewer must not miss: data volumes replaced or destroyed, client versions changed, other
 * replacements. A pure function: no files, no processes.
 */
import { isObject } from '../json';
import { BUNDLED_RELEASE_DATA } from '../../modules/clients/release-data';
import { bumpNote } from './fork-notes';
import { diffJson, formatPath, type Json, type PathSegment, type ValueChange } from './json-diff';
import {
  dataVolumeRole,
  forcesReplacement,
  imageRefs,
  ignoredAttributes,
  isIgnored,
  stringsOf,
  touchesVolume,
  type DataVolumeRole,
} from './rules';

export type BlockKind = 'resource' | 'data' | 'output' | 'local' | 'variable' | 'provider' | 'terraform' | 'module' | 'other';
export type Action = 'create' | 'update' | 'replace' | 'delete';

export interface BlockDiff {
  /** Terraform address: `kubernetes_stateful_set_v1.node_execution_1A2B3C4D`, `local.user_data`, `output.beacon_api_url`. */
  readonly address: string;
  readonly kind: BlockKind;
  /** Resource or data source type. */
  readonly type?: string;
  /** Readable name: the construct path inside the stack (`node/execution`), else the address. */
  readonly label: string;
  readonly action: Action;
  /** Attribute changes (update and replace). */
  readonly changes: readonly ValueChange[];
  /** Why the resource changes without an attribute change of its own, or why it is replaced. */
  readonly reasons: readonly string[];
}

export type FindingKind = 'destructive' | 'client-version' | 'replacement' | 'volume-resize' | 'state-backend';

export interface Finding {
  readonly kind: FindingKind;
  /** The block the finding is about. */
  readonly address: string;
  /** One line; the same text for the same change in every stack, so findings group across stacks. */
  readonly message: string;
}

export interface ImageChange {
  readonly repository: string;
  readonly before: string;
  readonly after: string;
  /** What the bump means for scheduled forks and security releases (data/releases.json). @default none */
  readonly note?: string;
}

export interface ActionCounts {
  readonly create: number;
  readonly update: number;
  readonly replace: number;
  readonly delete: number;
}

export interface StackDiff {
  readonly stack: string;
  readonly status: 'added' | 'removed' | 'changed';
  /** Changed blocks, ordered by kind then address. */
  readonly blocks: readonly BlockDiff[];
  readonly findings: readonly Finding[];
  readonly images: readonly ImageChange[];
  /** Managed resources only (not data sources, outputs or locals). */
  readonly counts: ActionCounts;
  readonly destructive: boolean;
}

export interface ReviewDiff {
  /** Stacks that change, by name. */
  readonly stacks: readonly StackDiff[];
  readonly unchanged: readonly string[];
  readonly baseStackCount: number;
  readonly headStackCount: number;
}

/** A synthesised stack: the parsed cdk.tf.json. */
export type StackConfig = Readonly<Record<string, unknown>>;

export function diffStackSets(base: ReadonlyMap<string, StackConfig>, head: ReadonlyMap<string, StackConfig>): ReviewDiff {
  const names = [...new Set([...base.keys(), ...head.keys()])].sort();
  const stacks: StackDiff[] = [];
  const unchanged: string[] = [];
  for (const name of names) {
    const diff = diffStack(name, base.get(name), head.get(name));
    if (diff) stacks.push(diff);
    else unchanged.push(name);
  }
  return { stacks, unchanged, baseStackCount: base.size, headStackCount: head.size };
}

interface Block {
  readonly address: string;
  readonly kind: BlockKind;
  readonly type?: string;
  readonly label: string;
  readonly body: Json;
}


/** The blocks of a configuration by address, cdktf's `//` bookkeeping left out. */
export function blocksOf(config: StackConfig): Map<string, Block> {
  const blocks = new Map<string, Block>();
  const add = (block: Block) => blocks.set(block.address, block);
  for (const [section, content] of Object.entries(config)) {
    if (section === '//') continue;
    if ((section === 'resource' || section === 'data') && isObject(content)) {
      for (const [type, instances] of Object.entries(content)) {
        if (!isObject(instances)) continue;
        for (const [name, body] of Object.entries(instances)) {
          const address = section === 'data' ? `data.${type}.${name}` : `${type}.${name}`;
          add({ address, kind: section, type, label: constructLabel(body) ?? address, body });
        }
      }
    } else if ((section === 'output' || section === 'variable' || section === 'locals' || section === 'module') && isObject(content)) {
      const prefix = section === 'locals' ? 'local' : section === 'variable' ? 'var' : section;
      const kind: BlockKind = section === 'locals' ? 'local' : section;
      for (const [name, body] of Object.entries(content)) add({ address: `${prefix}.${name}`, kind, label: `${prefix}.${name}`, body });
    } else if (section === 'provider' && isObject(content)) {
      for (const [type, body] of Object.entries(content)) add({ address: `provider.${type}`, kind: 'provider', type, label: `provider.${type}`, body });
    } else if (section === 'terraform') {
      add({ address: 'terraform', kind: 'terraform', label: 'terraform', body: content as Json });
    } else {
      add({ address: section, kind: 'other', label: section, body: content as Json });
    }
  }
  return blocks;
}

/** `stack/node/execution` -> `node/execution`, from cdktf's `//` metadata. */
function constructLabel(body: Json): string | undefined {
  if (!isObject(body)) return undefined;
  const meta = body['//'];
  const metadata = isObject(meta) ? meta['metadata'] : undefined;
  const path = isObject(metadata) ? metadata['path'] : undefined;
  if (typeof path !== 'string') return undefined;
  const slash = path.indexOf('/');
  return slash < 0 ? path : path.slice(slash + 1);
}

interface Working {
  readonly address: string;
  readonly kind: BlockKind;
  readonly type?: string;
  readonly label: string;
  action: Action | 'none';
  readonly changes: ValueChange[];
  readonly reasons: string[];
  readonly before?: Json;
  readonly after?: Json;
}

const KIND_ORDER: readonly BlockKind[] = ['resource', 'data', 'local', 'output', 'variable', 'provider', 'module', 'terraform', 'other'];

export function diffStack(stack: string, baseConfig: StackConfig | undefined, headConfig: StackConfig | undefined): StackDiff | undefined {
  const base = baseConfig ? blocksOf(baseConfig) : new Map<string, Block>();
  const head = headConfig ? blocksOf(headConfig) : new Map<string, Block>();
  const work = new Map<string, Working>();

  for (const address of new Set([...base.keys(), ...head.keys()])) {
    const before = base.get(address);
    const after = head.get(address);
    const block = (after ?? before)!;
    const common = {
      address,
      kind: block.kind,
      ...(block.type !== undefined ? { type: block.type } : {}),
      label: block.label,
      ...(before ? { before: before.body } : {}),
      ...(after ? { after: after.body } : {}),
    };
    if (!before) {
      work.set(address, { ...common, action: 'create', changes: [], reasons: [] });
      continue;
    }
    if (!after) {
      work.set(address, { ...common, action: 'delete', changes: [], reasons: [] });
      continue;
    }
    const ignored = block.kind === 'resource' ? ignoredAttributes(after.body) : [];
    const changes = diffJson(before.body, after.body).filter((change) => !isIgnored(change, ignored));
    const entry: Working = { ...common, action: changes.length > 0 ? 'update' : 'none', changes, reasons: [] };
    if (block.kind === 'resource' && block.type !== undefined) {
      for (const change of changes) {
        const attribute = forcesReplacement(block.type, change, after.body);
        if (attribute !== undefined) markReplace(entry, `${attribute} changed`);
      }
    }
    work.set(address, entry);
  }

  propagateLocals(work);
  propagateReplacements(work);

  const blocks: BlockDiff[] = [...work.values()]
    .filter((entry): entry is Working & { action: Action } => entry.action !== 'none')
    .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.address.localeCompare(b.address))
    .map(({ address, kind, type, label, action, changes, reasons }) => ({
      address,
      kind,
      ...(type !== undefined ? { type } : {}),
      label,
      action,
      changes,
      reasons,
    }));
  if (blocks.length === 0 && baseConfig && headConfig) return undefined;

  const images = imageChanges(blocks);
  const findings = [
    ...volumeFindings(work, headConfig === undefined),
    ...replacementFindings(work),
    ...backendFindings(blocks),
    ...images.map((image) => versionFinding(image, blocks)),
  ];
  const resources = blocks.filter((block) => block.kind === 'resource');
  const count = (action: Action) => resources.filter((block) => block.action === action).length;
  return {
    stack,
    status: !baseConfig ? 'added' : !headConfig ? 'removed' : 'changed',
    blocks,
    findings,
    images,
    counts: { create: count('create'), update: count('update'), replace: count('replace'), delete: count('delete') },
    destructive: findings.some((finding) => finding.kind === 'destructive'),
  };
}

function markReplace(entry: Working, reason: string): void {
  entry.action = 'replace';
  if (!entry.reasons.includes(reason)) entry.reasons.push(reason);
}

/** Every string of a value with the path it sits at. */
function stringsWithPaths(value: Json | undefined, segments: PathSegment[] = [], out: { segments: PathSegment[]; text: string }[] = []) {
  if (typeof value === 'string') out.push({ segments, text: value });
  else if (Array.isArray(value)) value.forEach((item, index) => stringsWithPaths(item, [...segments, { index }], out));
  else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) if (key !== '//') stringsWithPaths(item, [...segments, { key }], out);
  }
  return out;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether a Terraform expression string refers to `address` (`local.x`, `aws_instance.node_instance_1`). */
function refersTo(text: string, address: string): boolean {
  return text.includes('${') && new RegExp(`(?<![A-Za-z0-9_.-])${escapeRegExp(address)}(?![A-Za-z0-9_-])`).test(text);
}

/** A resource whose attribute uses a changed local changes with it (the AWS host's user data is a local). */
function propagateLocals(work: Map<string, Working>): void {
  const changedLocals = [...work.values()].filter((entry) => entry.kind === 'local' && entry.action !== 'none').map((entry) => entry.address);
  if (changedLocals.length === 0) return;
  for (const entry of work.values()) {
    if (entry.kind !== 'resource' || entry.after === undefined || entry.before === undefined || entry.type === undefined) continue;
    for (const { segments, text } of stringsWithPaths(entry.after)) {
      for (const local of changedLocals.filter((address) => refersTo(text, address))) {
        const attribute = formatPath(segments);
        const forced = forcesReplacement(entry.type, { segments }, entry.after);
        if (forced !== undefined) markReplace(entry, `${attribute} uses ${local}, which changed`);
        else {
          if (entry.action === 'none') entry.action = 'update';
          const reason = `${attribute} uses ${local}, which changed`;
          if (!entry.reasons.includes(reason)) entry.reasons.push(reason);
        }
      }
    }
  }
}

/**
 * A resource whose replace-forcing attribute refers to a replaced resource is replaced too; one whose
 * other attributes refer to it is updated (the new values are known only after apply).
 */
function propagateReplacements(work: Map<string, Working>): void {
  for (let changed = true; changed; ) {
    changed = false;
    const replaced = [...work.values()].filter((entry) => entry.action === 'replace');
    for (const entry of work.values()) {
      if (entry.kind !== 'resource' || entry.action === 'replace' || entry.action === 'create' || entry.action === 'delete') continue;
      if (entry.after === undefined || entry.type === undefined) continue;
      for (const { segments, text } of stringsWithPaths(entry.after)) {
        const target = replaced.find((candidate) => refersTo(text, candidate.address));
        if (!target) continue;
        const reason = `${formatPath(segments)} refers to ${target.label}, which is replaced`;
        if (forcesReplacement(entry.type, { segments }, entry.after) !== undefined) {
          markReplace(entry, reason);
          changed = true;
          break;
        }
        if (entry.action === 'none') {
          entry.action = 'update';
          changed = true;
        }
        if (!entry.reasons.includes(reason)) entry.reasons.push(reason);
      }
    }
  }
}

function imageChanges(blocks: readonly BlockDiff[]): ImageChange[] {
  const found = new Map<string, ImageChange>();
  for (const block of blocks) {
    for (const change of block.changes) {
      const [removed, added] = sidesOf(change);
      const beforeTags = tagsByRepository(removed);
      const afterTags = tagsByRepository(added);
      for (const [repository, tags] of beforeTags) {
        const newTags = afterTags.get(repository);
        if (!newTags) continue;
        for (const before of tags) {
          if (newTags.has(before)) continue;
          for (const after of newTags) {
            if (tags.has(after)) continue;
            const note = bumpNote(repository, before, after, BUNDLED_RELEASE_DATA);
            found.set(`${repository}\u0000${before}\u0000${after}`, { repository, before, after, ...(note !== undefined && { note }) });
          }
        }
      }
    }
  }
  return [...found.values()].sort((a, b) => a.repository.localeCompare(b.repository) || a.before.localeCompare(b.before));
}

/** The strings a change takes away and the ones it brings. */
function sidesOf(change: ValueChange): [string[], string[]] {
  switch (change.kind) {
    case 'changed':
      return [stringsOf(change.before), stringsOf(change.after)];
    case 'items':
      return [stringsOf(change.removed), stringsOf(change.added)];
    case 'lines':
      return [[...change.removed], [...change.added]];
    case 'added':
    case 'removed':
      return [[], []];
  }
}

function tagsByRepository(texts: readonly string[]): Map<string, Set<string>> {
  const map = new Map<string, Set<string>>();
  for (const text of texts) {
    for (const { repository, tag } of imageRefs(text)) {
      const tags = map.get(repository) ?? new Set<string>();
      tags.add(tag);
      map.set(repository, tags);
    }
  }
  return map;
}

function versionFinding(image: ImageChange, blocks: readonly BlockDiff[]): Finding {
  const where = blocks.find((block) => block.changes.some((change) => sidesOf(change)[1].some((text) => text.includes(`${image.repository}:${image.after}`))));
  const note = image.note === undefined ? '' : ` (${image.note})`;
  return { kind: 'client-version', address: where?.address ?? '', message: `${image.repository} ${image.before} -> ${image.after}${note}` };
}

const shortValue = (value: Json | undefined): string => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text === undefined ? 'nothing' : text.length > 80 ? `${text.slice(0, 79)}…` : text;
};

/** `spec.volume_claim_template[data].spec.resources.requests.storage 1000Gi -> 1200Gi; ...` */
function describeChanges(changes: readonly ValueChange[]): string {
  return changes
    .map((change) => {
      const path = change.path === '' ? 'value' : change.path;
      switch (change.kind) {
        case 'changed':
          return `${path} ${shortValue(change.before)} -> ${shortValue(change.after)}`;
        case 'added':
          return `${path} added`;
        case 'removed':
          return `${path} removed`;
        case 'items':
          return `${path} ${change.removed.map(shortValue).join(', ')} -> ${change.added.map(shortValue).join(', ')}`;
        case 'lines':
          return `${path} (${change.removed.length} lines -> ${change.added.length} lines)`;
      }
    })
    .join('; ');
}

const ROLE_NOUN: Readonly<Record<DataVolumeRole, string>> = {
  volume: 'data volume',
  'volume-owner': 'StatefulSet with data volumes',
  'volume-container': 'namespace (deleting it deletes every volume claim in it)',
  'volume-record': 'sandbox record of a container with a data volume (nothing runs; the same change hits real volumes on kubernetes and aws)',
  'broker-instance': 'service instance at the broker (deprovisioning it destroys the node and its data volumes)',
};

function volumeFindings(work: ReadonlyMap<string, Working>, stackRemoved: boolean): Finding[] {
  const findings: Finding[] = [];
  for (const entry of work.values()) {
    if (entry.kind !== 'resource' || entry.type === undefined || entry.action === 'none' || entry.action === 'create') continue;
    const role = dataVolumeRole(entry.type, entry.before ?? null);
    if (role === undefined) continue;
    const what = `${entry.label} (${entry.type}, ${ROLE_NOUN[role]})`;
    const volumeChanges = entry.changes.filter((change) => touchesVolume(entry.type!, change));
    const detail = volumeChanges.length > 0 ? `: ${describeChanges(volumeChanges)}` : '';
    if (entry.action === 'delete') {
      findings.push({
        kind: 'destructive',
        address: entry.address,
        message: stackRemoved
          ? `${what} leaves with the removed stack: destroying the stack (or a broker instance of a removed plan) destroys it`
          : `${what} is destroyed`,
      });
    } else if (entry.action === 'replace') {
      findings.push({ kind: 'destructive', address: entry.address, message: `${what} is replaced (${entry.reasons.join('; ')})${detail}` });
    } else if (volumeChanges.length > 0) {
      findings.push(inPlaceVolumeFinding(entry, role, what, volumeChanges, detail));
    }
  }
  return findings;
}

function inPlaceVolumeFinding(entry: Working, role: DataVolumeRole, what: string, changes: readonly ValueChange[], detail: string): Finding {
  if (entry.type === 'aws_ebs_volume') {
    const size = changes.find((change) => change.kind === 'changed' && change.path === 'size');
    const shrinks = size?.kind === 'changed' && typeof size.before === 'number' && typeof size.after === 'number' && size.after < size.before;
    return shrinks
      ? { kind: 'destructive', address: entry.address, message: `${what} shrinks${detail}: EBS volumes cannot shrink, only be replaced empty` }
      : { kind: 'volume-resize', address: entry.address, message: `${what} is modified in place${detail}` };
  }
  if (role === 'broker-instance') {
    return { kind: 'volume-resize', address: entry.address, message: `${what}: the broker's update resizes its data volumes${detail}` };
  }
  if (role === 'volume') {
    return {
      kind: 'destructive',
      address: entry.address,
      message: `${what} changes${detail}: claims cannot shrink, and growing one needs a StorageClass with allowVolumeExpansion`,
    };
  }
  return { kind: 'destructive', address: entry.address, message: `${what} changes${detail}` };
}

/** A stack whose state backend moves finds an empty state there unless the state is migrated first. */
function backendFindings(blocks: readonly BlockDiff[]): Finding[] {
  const terraform = blocks.find((block) => block.kind === 'terraform' && block.action === 'update');
  const changes = terraform?.changes.filter((change) => change.segments[0] !== undefined && 'key' in change.segments[0] && change.segments[0].key === 'backend') ?? [];
  if (changes.length === 0) return [];
  return [
    {
      kind: 'state-backend',
      address: 'terraform',
      message: `the state backend changes (${describeChanges(changes)}): migrate the state first (terraform init -migrate-state), or terraform finds no state and creates every resource again`,
    },
  ];
}

function replacementFindings(work: ReadonlyMap<string, Working>): Finding[] {
  const findings: Finding[] = [];
  for (const entry of work.values()) {
    if (entry.action !== 'replace' || entry.type === undefined) continue;
    if (dataVolumeRole(entry.type, entry.before ?? null) !== undefined) continue;
    findings.push({ kind: 'replacement', address: entry.address, message: `${entry.label} (${entry.type}) is replaced (${entry.reasons.join('; ')})` });
  }
  return findings;
}
