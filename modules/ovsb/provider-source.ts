/**
 * The provider's source address. A hostname of its own (not the public registry's) so that terraform
 * never fetches anything of that name from the internet: it comes from a mirror or not at all. Here, so
 * the constructs (modules/) and the installer (src/provider) share it without modules importing src.
 */
export const PROVIDER_HOST = 'ovsb.local';
export const PROVIDER_NAMESPACE = 'ovsb';
export const PROVIDER_TYPE = 'ovsb';
export const PROVIDER_SOURCE = `${PROVIDER_HOST}/${PROVIDER_NAMESPACE}/${PROVIDER_TYPE}`;
