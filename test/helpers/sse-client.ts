export interface ServerSentEvent {
  event: string;
  data: any;
}

/** Reads a text/event-stream over real HTTP until the server closes it; returns every event. */
export async function readEventStream(url: string, headers: Record<string, string> = {}): Promise<{ status: number; events: ServerSentEvent[] }> {
  const res = await fetch(url, { headers: { accept: "text/event-stream", ...headers }, signal: AbortSignal.timeout(20_000) });
  if (res.status !== 200) return { status: res.status, events: [] };
  const text = await res.text(); // resolves when the server ends the stream
  const events = text
    .split("\n\n")
    .filter((block) => block.includes("data:"))
    .map((block) => {
      const lines = block.split("\n");
      const event = lines.find((l) => l.startsWith("event:"))?.slice(6).trim() ?? "message";
      const data = lines.filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
      return { event, data: JSON.parse(data) };
    });
  return { status: res.status, events };
}
