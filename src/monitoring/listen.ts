// `metrics.listen`: "host:port", "[v6-address]:port" or ":port" (every interface).

export interface ListenAddress {
  host: string;
  port: number;
}

/** Parses a listen address; returns a message naming the problem instead of throwing. */
export function parseListen(text: string): ListenAddress | string {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(text.trim());
  if (!m) return `"${text}" is not host:port (for example 127.0.0.1:9464, [::1]:9464 or :9464)`;
  const port = Number(m[3]);
  if (port > 65535) return `port ${port} is above 65535`;
  const host = m[1] ?? (m[2] === '' ? '0.0.0.0' : m[2]!);
  return { host, port };
}
