/**
 * The protocol version this build speaks. Message types are append-only: a new version may
 * add message types and optional fields, never remove or change the meaning of one.
 */
export const PROTOCOL_VERSION = 1;
/** The oldest protocol version this build still accepts. */
export const MIN_PROTOCOL_VERSION = 1;
