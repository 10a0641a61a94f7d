import { timestamp } from 'drizzle-orm/pg-core';

/** A timestamptz column; every time in Starling's schema is stored with its zone. */
export const tz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** `created_at` defaulting to now(). */
export const createdAt = () => tz('created_at').notNull().defaultNow();

/** `updated_at` defaulting to now(); writers set it on every update. */
export const updatedAt = () => tz('updated_at').notNull().defaultNow();
