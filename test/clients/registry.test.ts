import { describe, expect, it } from 'vitest';
import {
  CONSENSUS,
  EXECUTION,
  MEV_BOOST,
  WEB3SIGNER,
  comboSupport,
  comboSupportOf,
  validatorClientOf,
  validatorKeysSupport,
} from '../../modules/clients/index';
import { CONSENSUS_CLIENTS, EXECUTION_CLIENTS, NETWORKS, type ConsensusClientName, type ExecutionClientName } from '../../modules/clients/types';

const ALL_CLIENTS = [...Object.values(EXECUTION), ...Object.values(CONSENSUS), MEV_BOOST, WEB3SIGNER];

describe('registry metadata', () => {
  it('lists every execution and consensus client under its own name', () => {
    expect(Object.keys(EXECUTION).sort()).toEqual([...EXECUTION_CLIENTS].sort());
    expect(Object.keys(CONSENSUS).sort()).toEqual([...CONSENSUS_CLIENTS].sort());
    for (const [name, definition] of [...Object.entries(EXECUTION), ...Object.entries(CONSENSUS)]) {
      expect(definition.name).toBe(name);
    }
  });

  it.each(ALL_CLIENTS.map((c) => [c.name, c] as const))('%s pins a real release tag and names an image', (_name, client) => {
    expect(client.defaultVersion).toMatch(/\d+\.\d+/);
    expect(client.defaultVersion).not.toMatch(/^(latest|stable|unstable|develop)$/);
    expect(client.imageRepository).not.toContain(':');
    expect(client.displayName.length).toBeGreaterThan(0);
    expect(client.supportedNetworks).toEqual([...NETWORKS]);
  });

  it('carries no Engine API: it comes from the pinned release and the network (forks.ts)', () => {
    for (const client of [...Object.values(EXECUTION), ...Object.values(CONSENSUS)]) {
      expect(client).not.toHaveProperty('engineApi');
    }
  });

  it('sizes mainnet execution storage at 1 TB class or more, erigon and reth larger, testnets smaller', () => {
    for (const el of Object.values(EXECUTION)) {
      expect(el.storageGi.mainnet).toBeGreaterThanOrEqual(1000);
      expect(el.storageGi.sepolia).toBeLessThan(el.storageGi.mainnet);
      expect(el.storageGi.hoodi).toBeLessThan(el.storageGi.mainnet);
    }
    expect(EXECUTION.erigon.storageGi.mainnet).toBeGreaterThan(EXECUTION.geth.storageGi.mainnet);
    expect(EXECUTION.reth.storageGi.mainnet).toBeGreaterThan(EXECUTION.geth.storageGi.mainnet);
    for (const cl of Object.values(CONSENSUS)) expect(cl.storageGi.hoodi).toBeLessThan(cl.storageGi.mainnet);
  });
});

describe('comboSupport', () => {
  const bundled = (el: ExecutionClientName, cl: ConsensusClientName) =>
    [{ client: el, version: EXECUTION[el].defaultVersion }, { client: cl, version: CONSENSUS[cl].defaultVersion }] as const;

  it('accepts every EL x CL pair at its default release on mainnet and hoodi, which run Fusaka', () => {
    for (const network of ['mainnet', 'hoodi'] as const) {
      for (const el of EXECUTION_CLIENTS) {
        for (const cl of CONSENSUS_CLIENTS) {
          expect(comboSupport(...bundled(el, cl), network), `${el}+${cl} on ${network}`).toEqual({ ok: true });
        }
      }
    }
  });

  it('on sepolia (Glamsterdam) accepts exactly the pairs whose clients both have a sourced release, at the defaults', () => {
    const withoutRelease = ['geth', 'besu', 'nimbus', 'grandine'];
    for (const el of EXECUTION_CLIENTS) {
      for (const cl of CONSENSUS_CLIENTS) {
        const support = comboSupport(...bundled(el, cl), 'sepolia');
        const missing = [el, cl].filter((client) => withoutRelease.includes(client));
        expect(support.ok, `${el}+${cl}`).toBe(missing.length === 0);
        if (!support.ok) {
          expect(support.cause).toBe('release');
          for (const client of missing) expect(support.reason).toContain(`no ${client} release is known to follow Glamsterdam`);
        }
      }
    }
  });

  it('GIVEN geth v1.13.0 and lighthouse v4.0.0 (pre-Fusaka) WHEN paired on mainnet THEN refused with both minimums', () => {
    const support = comboSupport({ client: 'geth', version: 'v1.13.0' }, { client: 'lighthouse', version: 'v4.0.0' }, 'mainnet');
    expect(support).toEqual({
      ok: false,
      cause: 'release',
      reason:
        'geth v1.13.0 is older than v1.16.7, the minimum geth release for Fusaka (Osaka/Fulu), which mainnet runs since 2025-12-03; pin v1.16.7 or later; ' +
        'and lighthouse v4.0.0 is older than v8.0.0, the minimum lighthouse release for Fusaka (Osaka/Fulu), which mainnet runs since 2025-12-03; pin v8.0.0 or later',
    });
  });

  it('GIVEN prysm v6.1.4 (testnet forks only) WHEN used on mainnet THEN refused, v7.0.0 accepted', () => {
    const geth = { client: 'geth', version: 'v1.16.7' } as const;
    expect(comboSupport(geth, { client: 'prysm', version: 'v6.1.4' }, 'mainnet')).toMatchObject({ ok: false, cause: 'release' });
    expect(comboSupport(geth, { client: 'prysm', version: 'v7.0.0' }, 'mainnet')).toEqual({ ok: true });
  });

  it('refuses a network one of the clients does not support, naming it', () => {
    // GIVEN an execution client definition without sepolia
    const geth = { ...EXECUTION.geth, supportedNetworks: ['mainnet', 'hoodi'] as const };
    // WHEN / THEN
    expect(comboSupportOf(geth, 'v1.17.10', CONSENSUS.teku, '26.9.1', 'sepolia')).toEqual({
      ok: false,
      reason: 'Geth does not support sepolia',
      cause: 'network',
    });
    expect(comboSupportOf(geth, 'v1.16.7', CONSENSUS.teku, '25.11.0', 'hoodi')).toEqual({ ok: true });
  });
});

describe('validatorClientOf', () => {
  it('says grandine runs its validator inside the beacon node', () => {
    expect(validatorClientOf('grandine')).toEqual({ runs: 'in-beacon-node' });
    expect(CONSENSUS.grandine.validator).toBeUndefined();
  });

  it.each(CONSENSUS_CLIENTS.filter((c) => c !== 'grandine'))('gives %s a separate validator process and image', (cl) => {
    const info = validatorClientOf(cl);
    expect(info.runs).toBe('separate');
    expect(CONSENSUS[cl].validator).toBeTypeOf('function');
    if (info.runs === 'separate') expect(info.imageRepository.length).toBeGreaterThan(0);
  });

  it('uses the separate validator images of prysm and nimbus', () => {
    expect(validatorClientOf('prysm')).toMatchObject({ imageRepository: 'gcr.io/offchainlabs/prysm/validator' });
    expect(validatorClientOf('nimbus')).toMatchObject({ imageRepository: 'statusim/nimbus-validator-client' });
  });
});

describe('validatorKeysSupport', () => {
  it('refuses a web3signer for lighthouse (no CLI flag) and accepts it elsewhere', () => {
    const refused = validatorKeysSupport('lighthouse', 'web3signer');
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.reason).toContain('web3signer');
    for (const cl of CONSENSUS_CLIENTS.filter((c) => c !== 'lighthouse')) {
      expect(validatorKeysSupport(cl, 'web3signer')).toEqual({ ok: true });
    }
    for (const cl of CONSENSUS_CLIENTS) expect(validatorKeysSupport(cl, 'kubernetes-secret')).toEqual({ ok: true });
  });
});
