// The body limit for streamed request bodies. Fastify enforces bodyLimit only on bodies it
// buffers; the gateway streams them to the service instead (see docs/adr/0006), so it checks
// a declared Content-Length up front and counts the bytes of a chunked body as they pass.
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { PayloadTooLargeError } from './errors.js';

/**
 * A stream of the request body that fails with PayloadTooLargeError once more than
 * limitBytes went through. The rest of the client's body is then read and dropped so
 * the 413 answer can still be written (with Connection: close).
 */
export function limitBodySize(body: Readable, limitBytes: number, onExceeded: () => void): Transform {
  let seen = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      seen += chunk.length;
      if (seen > limitBytes) {
        onExceeded();
        body.unpipe(counted);
        body.resume();
        done(new PayloadTooLargeError(limitBytes));
        return;
      }
      done(null, chunk);
    },
  });
  body.on('error', (error) => counted.destroy(error));
  return body.pipe(counted);
}

/** The declared Content-Length when it is over the limit (answered 413 before anything is forwarded). */
export function declaredLengthExceeds(contentLength: string | undefined, limitBytes: number): boolean {
  if (contentLength === undefined) return false;
  const declared = Number(contentLength);
  return Number.isFinite(declared) && declared > limitBytes;
}
