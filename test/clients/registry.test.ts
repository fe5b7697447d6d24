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
import { CONSENSUS_CLIENTS, EXECUTION_CLIENTS, NETWORKS } from '../../modules/clients/types';

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

  it('gives every EL and CL the Engine API of the Fusaka releases (newPayloadV4, getPayloadV5)', () => {
    for (const client of [...Object.values(EXECUTION), ...Object.values(CONSENSUS)]) {
      expect(client.engineApi).toMatchObject({ fork: 'osaka', version: 'V4' });
      expect(client.engineApi.methods).toEqual(expect.arrayContaining(['engine_newPayloadV4', 'engine_getPayloadV5']));
      expect(client.engineApi.label).toContain('V4');
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
  it('accepts every EL x CL pair on every offered network (the pinned releases all speak osaka)', () => {
    for (const network of NETWORKS) {
      for (const el of EXECUTION_CLIENTS) {
        for (const cl of CONSENSUS_CLIENTS) {
          expect(comboSupport(el, cl, network), `${el}+${cl} on ${network}`).toEqual({ ok: true });
        }
      }
    }
  });

  it('refuses a network one of the clients does not support, naming it', () => {
    // GIVEN an execution client definition without sepolia
    const geth = { ...EXECUTION.geth, supportedNetworks: ['mainnet', 'hoodi'] as const };
    // WHEN / THEN
    expect(comboSupportOf(geth, CONSENSUS.teku, 'sepolia')).toEqual({ ok: false, reason: 'Geth does not support sepolia' });
    expect(comboSupportOf(geth, CONSENSUS.teku, 'hoodi')).toEqual({ ok: true });
  });

  it('refuses clients that speak different Engine API forks', () => {
    const olderCl = { ...CONSENSUS.lodestar, engineApi: { ...CONSENSUS.lodestar.engineApi, fork: 'prague' as const } };
    expect(comboSupportOf(EXECUTION.besu, olderCl, 'mainnet')).toEqual({
      ok: false,
      reason: 'Besu speaks the osaka Engine API but Lodestar speaks prague',
    });
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
