import { VERSION } from '@lattice/core';
test('core loads', () => { expect(VERSION).toBe('0.1.0'); });
