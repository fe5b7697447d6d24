/** The stack name of the broker's own stack in `ovsb synth` and `cdktf` (`cdktf deploy ovsb-broker`). */
export const BROKER_STACK_NAME = 'ovsb-broker';
