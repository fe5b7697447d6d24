/** `ovsb review`'s note on a client bump: forks it now schedules or drops, security releases it takes in. */
import { describe, expect, it } from 'vitest';
import { BUNDLED_RELEASE_DATA } from '../../modules/clients/release-data';
import { bumpNote, clientOfRepository } from '../../src/review/fork-notes';

describe('fork notes on client bumps', () => {
  it.each([
    ['nethermind/nethermind', '2.2.2', '2.3.0', 'now schedules Glamsterdam (Amsterdam/Gloas) on hoodi (2026-12-15T19:12:24Z); takes in security or high-urgency release 2.3.0'],
    ['nethermind/nethermind', '2.3.0', '2.2.2', 'no longer schedules Glamsterdam (Amsterdam/Gloas) on hoodi (2026-12-15T19:12:24Z): the node would fork off'],
    ['statusim/nimbus-eth2', 'multiarch-v25.11.0', 'multiarch-v26.11.2', 'now schedules Glamsterdam (Amsterdam/Gloas) on hoodi (2026-12-15T19:12:24Z); takes in security or high-urgency releases v25.11.1, v26.11.2'],
    ['ethereum/client-go', 'v1.16.7', 'v1.17.10', 'takes in security or high-urgency releases v1.16.8, v1.16.9, v1.17.0, v1.17.1'],
    ['mirror.example.com/erigontech/erigon', 'v3.8.1', 'v3.8.3', 'now schedules Glamsterdam (Amsterdam/Gloas) on hoodi (2026-12-15T19:12:24Z); takes in security or high-urgency release v3.8.3'],
    ['sigp/lighthouse', 'v8.0.0', 'v8.0.1', undefined],
    ['gcr.io/offchainlabs/prysm/beacon-chain', 'v7.2.0', 'v7.3.0', 'schedules a date hoodi cancelled for amsterdam: the node would fork off; use v7.3.1 or later'],
  ])('GIVEN %s %s -> %s THEN the note is %j', (repository, before, after, note) => {
    expect(bumpNote(repository, before, after, BUNDLED_RELEASE_DATA)).toBe(note);
  });

  it('knows the clients by image repository, validator images and mirrors included, and nothing else', () => {
    expect(clientOfRepository('ethereum/client-go')).toBe('geth');
    expect(clientOfRepository('statusim/nimbus-validator-client')).toBe('nimbus');
    expect(clientOfRepository('registry.internal/flashbots/mev-boost')).toBe('mev-boost');
    expect(clientOfRepository('library/postgres')).toBeUndefined();
  });
});
