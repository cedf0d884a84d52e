/** The test CA lives with the benches (bench/lib is its own tsc project and cannot import test code). */
export { createTestCa, type TestCa } from '../../../../bench/lib/test-ca.js';
