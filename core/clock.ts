/** Time as seen by Starling; tests substitute a controllable one. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** The current time as a Date. */
  date(): Date;
}

/** The system clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  date: () => new Date(),
};

/** A clock that moves only when told to; for tests of expiry and schedules. */
export class ManualClock implements Clock {
  constructor(private ms = Date.parse('2026-01-01T00:00:00Z')) {}
  now(): number {
    return this.ms;
  }
  date(): Date {
    return new Date(this.ms);
  }
  /** Move forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.ms += ms;
  }
}
