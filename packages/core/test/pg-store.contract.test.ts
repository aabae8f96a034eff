import { pgTestDatabase } from '@skill-metrics/core/testing/pg';
import { describePgContract } from './pg-contract.js';

// On the server, or on PGlite where there is none.
describePgContract(await pgTestDatabase());
