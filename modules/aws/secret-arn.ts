/**
 * What a Secrets Manager secret reference may be, in one place: the catalog's parameter schema
 * (src/catalog/schemas.ts) accepts exactly what the AWS node (node.ts) reads as a name or an ARN.
 *
 * An ARN is arn:<partition>:secretsmanager:<region>:<account>:secret:<name>[-<6 random chars>], with the
 * partition aws, aws-cn (China) or aws-us-gov (GovCloud). A name, which the node turns into an ARN with
 * the provider's own partition, region and account, works in any partition.
 */

/** The characters and length Secrets Manager allows in a secret name. */
const SECRET_NAME = '[A-Za-z0-9/_+=.@-]{1,512}';
const SECRET_ARN_PREFIX = 'arn:aws(-cn|-us-gov)?:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:';

/** JSON Schema pattern (ECMA-262) of a secret reference: its name, or its full or partial ARN. */
export const AWS_SECRET_PATTERN = `^(${SECRET_ARN_PREFIX})?${SECRET_NAME}$`;

/** A full or partial (no random suffix) Secrets Manager ARN. */
export const AWS_SECRET_ARN = new RegExp(`^${SECRET_ARN_PREFIX}${SECRET_NAME}$`);
