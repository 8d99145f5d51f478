// Conversions between JS values and the portable column conventions described in `database.ts`.
import type { SqlDialect } from './database.js';

/** int8 from pg arrives as a string; SQLite gives a number. Callers always get a plain number. */
export function readInteger(value: number | string | bigint): number {
  return typeof value === 'number' ? value : Number(value);
}

export function readBoolean(value: boolean | number): boolean {
  return value === true || value === 1;
}

export function booleanWriter(dialect: SqlDialect): (value: boolean) => boolean | number {
  return dialect === 'sqlite' ? (value) => (value ? 1 : 0) : (value) => value;
}

/**
 * Integer columns reject fractions on PostgreSQL and store REALs on SQLite, and a NaN would make the
 * whole batch fail: round, and store 0 for a non-finite number (a metering bug must not lose the row).
 */
export function writeInteger(value: number): number {
  return Number.isFinite(value) ? Math.round(value) : 0;
}

/** PostgreSQL text cannot hold NUL characters; a client-supplied model name could contain one. */
export function writeText(value: string): string {
  return value.includes('\u0000') ? value.replaceAll('\u0000', '') : value;
}
