/**
 * Schemas of the provider, its resources and data sources, as plain values: the wire form
 * (tfplugin6.Schema) and the object type terraform encodes values with are both derived from them.
 */
import type { CtyType } from './codec/cty';
import type { Message } from './transport/protobuf';

export interface AttributeSchema {
  readonly type: CtyType;
  readonly description: string;
  readonly required?: boolean;
  readonly optional?: boolean;
  readonly computed?: boolean;
  readonly sensitive?: boolean;
}

/** A nested block with single nesting (`timeouts { create = "30m" }`), null when absent. */
export interface SingleBlockSchema {
  readonly description: string;
  readonly block: BlockSchema;
}

export interface BlockSchema {
  readonly attributes: Readonly<Record<string, AttributeSchema>>;
  readonly blocks?: Readonly<Record<string, SingleBlockSchema>>;
}

export interface Schema {
  /** The state schema version; UpgradeResourceState brings older states to it. */
  readonly version: number;
  readonly description: string;
  readonly block: BlockSchema;
}

/** The object type of a block's values. */
export function impliedType(block: BlockSchema): CtyType {
  const attributes: Record<string, CtyType> = {};
  for (const [name, attribute] of Object.entries(block.attributes)) attributes[name] = attribute.type;
  for (const [name, nested] of Object.entries(block.blocks ?? {})) attributes[name] = impliedType(nested.block);
  return ['object', attributes];
}

/** NestedBlock.NestingMode.SINGLE */
const SINGLE = 1;
/** StringKind.MARKDOWN */
const MARKDOWN = 1;

function blockMessage(block: BlockSchema, version: number, description: string): Message {
  return {
    version,
    description,
    description_kind: MARKDOWN,
    attributes: Object.entries(block.attributes).map(([name, a]) => ({
      name,
      type: Buffer.from(JSON.stringify(a.type)),
      description: a.description,
      description_kind: MARKDOWN,
      required: a.required === true,
      optional: a.optional === true,
      computed: a.computed === true,
      sensitive: a.sensitive === true,
    })),
    block_types: Object.entries(block.blocks ?? {}).map(([name, nested]) => ({
      type_name: name,
      block: blockMessage(nested.block, 0, nested.description),
      nesting: SINGLE,
    })),
  };
}

/** The tfplugin6.Schema message. */
export const schemaMessage = (schema: Schema): Message => ({ version: schema.version, block: blockMessage(schema.block, schema.version, schema.description) });

/** `timeouts { create = "30m" ... }`: Go duration strings, one per operation. */
export function timeoutsBlock(operations: readonly ('create' | 'update' | 'delete')[], defaults: string): SingleBlockSchema {
  return {
    description: `How long to wait for the broker's operation to finish (Go duration syntax: \`90s\`, \`30m\`, \`1h30m\`). Default ${defaults} each.`,
    block: {
      attributes: Object.fromEntries(
        operations.map((operation) => [operation, { type: 'string', optional: true, description: `Time limit of ${operation} (default ${defaults}).` }]),
      ),
    },
  };
}

const DURATION = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/;

/** A Go duration ("1h30m", "45s") in milliseconds; undefined when the text is not one. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match || text.trim() === '' || (match[1] === undefined && match[2] === undefined && match[3] === undefined)) return undefined;
  const [, h = '0', m = '0', s = '0'] = match;
  return Math.round((Number(h) * 3600 + Number(m) * 60 + Number(s)) * 1000);
}
