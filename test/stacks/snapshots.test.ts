/**
 * Snapshots of representative plans: any change to the synthesised Terraform shows up in review as
 * a snapshot diff (update with `npx vitest run test/stacks -u` after checking it is intended).
 */
import { describe, expect, it } from 'vitest';
import { synthesizeMevBoostStack, synthesizeNodeStack } from '../../src/synth';
import { mevBoostProps, nodeProps } from './props';

describe('synthesised stacks', () => {
  it('geth + lighthouse validator on kubernetes, mainnet', () => {
    const props = nodeProps(
      { execution: 'geth', consensus: 'lighthouse', role: 'validator', target: 'kubernetes', network: 'mainnet' },
      { kubernetes: { storageClassName: 'gp3-retain' } },
    );
    expect(synthesizeNodeStack('geth-lighthouse-validator-kubernetes-mainnet', props)).toMatchSnapshot();
  });

  it('nethermind + teku rpc on aws, hoodi', () => {
    const props = nodeProps(
      { execution: 'nethermind', consensus: 'teku', role: 'rpc', target: 'aws', network: 'hoodi' },
      { aws: { region: 'eu-west-1', rpcAllowedCidrs: ['10.0.0.0/8'] }, backend: { kind: 'pg', schemaName: 'ovsb_i_abc' } },
    );
    expect(synthesizeNodeStack('nethermind-teku-rpc-aws-hoodi', props)).toMatchSnapshot();
  });

  it('reth + lodestar validator on the sandbox, sepolia (no MEV-Boost: enshrined PBS)', () => {
    const props = nodeProps({ execution: 'reth', consensus: 'lodestar', role: 'validator', target: 'sandbox', network: 'sepolia' });
    expect(synthesizeNodeStack('reth-lodestar-validator-sandbox-sepolia', props)).toMatchSnapshot();
  });

  it('mev-boost middleware on kubernetes, mainnet', () => {
    expect(synthesizeMevBoostStack('mev-boost-kubernetes-mainnet', mevBoostProps('kubernetes', 'mainnet'))).toMatchSnapshot();
  });
});
