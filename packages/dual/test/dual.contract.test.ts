import { STORAGE_MODES } from '@skill-metrics/dual';
import { describeDualContract } from './dual-contract.js';

describeDualContract('', STORAGE_MODES);
