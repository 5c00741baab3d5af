import { FailedPreconditionError } from '@layerctl/sys';

/**
 * Typed access to SQLite result rows. Rows come from a file on disk, so they are checked like any
 * outside data: a value of the wrong type means the database was damaged or written by something
 * else, and the error says which table and column.
 */
export type Row = Record<string, unknown>;

export function rowText(row: Row, table: string, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw damaged(table, column, 'text', value);
  return value;
}

export function rowInteger(row: Row, table: string, column: string): number {
  const value = row[column];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw damaged(table, column, 'an integer', value);
  return value;
}

function damaged(table: string, column: string, wanted: string, value: unknown): FailedPreconditionError {
  const got = value === null ? 'NULL' : typeof value;
  return new FailedPreconditionError(`metadata.db: ${table}.${column} holds ${got} where ${wanted} belongs; run layerctl check`);
}
