import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Options of {@link postJson}. */
export interface PostJsonOptions {
  headers?: Record<string, string>;
  /** Give up after this long, ms; default 10,000. */
  timeoutMs?: number;
  /** Largest response body read, bytes; default 1 MiB. */
  maxBytes?: number;
  /** Aborts the request. */
  signal?: AbortSignal;
}

/** A JSON response: status and parsed body (null when it is not JSON). */
export interface JsonResponse {
  status: number;
  body: unknown;
}

/**
 * POST a JSON body with node:http(s). The agent uses this rather than global fetch: undici
 * would add several MB to an otherwise idle agent's memory.
 */
export function postJson(url: string, body: unknown, options: PostJsonOptions = {}): Promise<JsonResponse> {
  const u = new URL(url);
  const data = Buffer.from(JSON.stringify(body));
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  const maxBytes = options.maxBytes ?? 1_048_576;
  return new Promise((resolve, reject) => {
    const req = request(
      u,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(data.length), accept: 'application/json', ...options.headers },
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) {
            req.destroy(new Error(`response larger than ${maxBytes} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => {
          let parsed: unknown = null;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            parsed = null;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', reject);
      },
    );
    const onAbort = () => req.destroy(new Error('aborted'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('close', () => options.signal?.removeEventListener('abort', onAbort));
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs ?? 10_000} ms`)));
    req.on('error', reject);
    req.end(data);
  });
}
