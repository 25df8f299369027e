/** Creates the state table in the local engine if it is missing. */
import { ensureTable } from '../lib/store/table.js';

await ensureTable();
