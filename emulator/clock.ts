/**
 * The emulator's clock: real time plus an offset that tests move forward (token expiry,
 * rolling windows). Tests may freeze it so a burst of requests is "inside" a window
 * however slow the machine is.
 */
export class Clock {
  offsetMs = 0;
  frozenAt: number | null = null;
  now(): number {
    return (this.frozenAt ?? Date.now()) + this.offsetMs;
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
  freeze(on: boolean): void {
    this.frozenAt = on ? Date.now() : null;
  }
}
