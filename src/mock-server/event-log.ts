import type { EventFilter, MockEvent } from './types.js';

/** The event log (the last `max` events) and its live listeners (`control.onEvent`, the SSE stream). */
export class EventLog {
  private log: MockEvent[] = [];
  private seq = 0;
  private listeners = new Set<(e: MockEvent) => void>();

  constructor(private readonly max: number) {}

  clear(): void {
    this.log = [];
  }

  emit(e: Omit<MockEvent, 'seq'>, deferPublish: boolean): MockEvent {
    const ev = { seq: ++this.seq, ...e } as MockEvent;
    this.log.push(ev);
    // trim in batches (amortised O(1) per event); events() only shows the last max
    if (this.log.length >= 2 * this.max + 64) this.log.splice(0, this.log.length - this.max);
    if (!deferPublish) this.publish(ev);
    return ev;
  }

  publish(ev: MockEvent): void {
    if (this.listeners.size === 0) return;
    for (const l of [...this.listeners]) {
      try {
        l({ ...ev });
      } catch {
        // a listener's failure is its own
      }
    }
  }

  onEvent(listener: (e: MockEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  events(f: EventFilter = {}): MockEvent[] {
    return this.log
      .slice(-this.max)
      .filter((e) => (f.since === undefined || e.seq > f.since) && (!f.type || e.type === f.type) && (!f.family || e.family === f.family))
      .map((e) => ({ ...e }));
  }
}
