import { pgTestDatabase } from '@skill-metrics/core/testing/pg';
import { describePgContract } from './pg-contract.js';

// On PGlite as well where a server answers: the way a machine without a server runs every
// PostgreSQL query must itself be kept working.
describePgContract(await pgTestDatabase('pglite'));
