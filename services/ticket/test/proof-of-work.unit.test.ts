// The proof-of-work's arithmetic on its own: counting zero bits, and a difficulty that rises by
// one bit per doubling of the join rate, between its floor and its ceiling.
import { describe, expect, it } from 'vitest';
import { ticketServiceConfig } from '../src/config.js';
import { difficultyForRate, isSolution, leadingZeroBits } from '../src/proof-of-work.js';
import { solveChallenge } from './queue-support.js';

const settings = ticketServiceConfig({} as never, {}).queue;

describe('the proof-of-work', () => {
  it('counts the leading zero bits of a digest', () => {
    expect(leadingZeroBits(Uint8Array.from([0x80]))).toBe(0);
    expect(leadingZeroBits(Uint8Array.from([0x01, 0xff]))).toBe(7);
    expect(leadingZeroBits(Uint8Array.from([0x00, 0x00, 0x10]))).toBe(19);
    expect(leadingZeroBits(Uint8Array.from([0, 0]))).toBe(16);
  });

  it('gets harder as more people join: a bit per doubling of the rate, up to the ceiling', () => {
    expect(settings).toMatchObject({ powMinBits: 12, powMaxBits: 20, powJoinsPerBit: 500 });
    expect(difficultyForRate(0, settings)).toBe(12);
    expect(difficultyForRate(499, settings)).toBe(12);
    expect(difficultyForRate(500, settings)).toBe(13);
    expect(difficultyForRate(1_000, settings)).toBe(14);
    expect(difficultyForRate(4_000, settings)).toBe(16);
    expect(difficultyForRate(10_000_000, settings)).toBe(20);
    expect(difficultyForRate(10_000_000, { ...settings, powMinBits: 0 })).toBe(0);
  });

  it('accepts a nonce only when it solves the challenge', () => {
    const nonce = solveChallenge('pow1.example.mac', 10);
    expect(isSolution('pow1.example.mac', nonce, 10)).toBe(true);
    expect(isSolution('pow1.example.mac-changed', nonce, 10)).toBe(false);
  });
});
