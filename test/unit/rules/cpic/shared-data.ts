/**
 * The shared CPIC data set the expectations are derived from (never from the code under test).
 * Set CPIC_SHARED_DIR to read it elsewhere; by default it is the `shared/cpic` folder next to the project.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const SHARED_CPIC =
  process.env.CPIC_SHARED_DIR ?? path.resolve(__dirname, '../../../../../shared/cpic');
export const SHARED_RXNORM = path.resolve(SHARED_CPIC, '..', 'rxnorm');

export function readShared(file: string): unknown {
  return JSON.parse(readFileSync(path.join(SHARED_CPIC, file), 'utf8')) as unknown;
}

export function readSharedRxnorm(file: string): unknown {
  return JSON.parse(readFileSync(path.join(SHARED_RXNORM, file), 'utf8')) as unknown;
}

export function fixture(name: string): unknown {
  return JSON.parse(readFileSync(path.resolve(__dirname, '../../../fixtures/pgx', name), 'utf8')) as unknown;
}
