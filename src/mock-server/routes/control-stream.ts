import type { MockControl, MockEvent } from '../types.js';

const HEARTBEAT_MS = 15_000;

/**
 * GET /__control/events/stream: server-sent events, one `data:` line per
 * event (the same JSON as GET /__control/events) with `id: seq`. It first
 * replays what came after `Last-Event-ID` or `?since=` (nothing by default),
 * then streams live events until the client goes away.
 */
export function eventStream(control: MockControl, req: Request, url: URL, cors: Record<string, string>): Response {
  const fromHeader = Number(req.headers.get('last-event-id') ?? url.searchParams.get('since') ?? NaN);
  const since = Number.isFinite(fromHeader) ? fromHeader : null;
  const enc = new TextEncoder();
  const frame = (e: MockEvent) => enc.encode(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
  let stop = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(ctrl) {
      ctrl.enqueue(enc.encode(': rotor-auth mock server events\nretry: 1000\n\n'));
      if (since !== null) for (const e of control.events({ since })) ctrl.enqueue(frame(e));
      const off = control.onEvent((e) => {
        try {
          ctrl.enqueue(frame(e));
        } catch {
          stop();
        }
      });
      const beat = setInterval(() => {
        try {
          ctrl.enqueue(enc.encode(': keep-alive\n\n'));
        } catch {
          stop();
        }
      }, HEARTBEAT_MS);
      beat.unref?.();
      stop = () => {
        off();
        clearInterval(beat);
      };
    },
    cancel() {
      stop();
    },
  });
  return new Response(body, {
    status: 200,
    headers: { ...cors, 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' },
  });
}
