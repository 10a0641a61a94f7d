/** Options of {@link SyslogFrameDecoder}. */
export interface FrameDecoderOptions {
  /** Largest message; longer ones are skipped (octet counting) or discarded to the next LF. */
  maxMessageBytes: number;
  /** Called with each complete message (trailer removed). */
  onMessage(message: Buffer): void;
  /** Called for each rejected frame; the stream continues with the next one. */
  onReject(reason: 'oversized' | 'invalid', size: number): void;
}

const SP = 0x20;
const LF = 0x0a;
const NUL = 0x00;
const CR = 0x0d;

/**
 * RFC 6587 TCP syslog framing, both kinds on one stream: octet counting (`LEN SP MSG`) when
 * a frame starts with a non-zero digit followed by digits and a space; otherwise
 * non-transparent framing ended by LF (or NUL, which some senders use). Memory is bounded by
 * `maxMessageBytes`: an oversized frame is skipped without being buffered.
 */
export class SyslogFrameDecoder {
  private buf: Buffer = Buffer.alloc(0);
  private skip = 0;
  private discardToLf = false;

  constructor(private readonly options: FrameDecoderOptions) {}

  /** Feed bytes from the socket. */
  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    this.drain();
  }

  /** The stream ended: a trailing non-transparent message without LF is still a message. */
  end(): void {
    if (this.skip === 0 && !this.discardToLf && this.buf.length > 0 && !this.looksOctetCounted()) this.emit(this.buf);
    this.buf = Buffer.alloc(0);
  }

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.buf.length;
  }

  private looksOctetCounted(): boolean {
    const b = this.buf;
    return b.length > 0 && b[0]! >= 0x31 && b[0]! <= 0x39;
  }

  private emit(msg: Buffer): void {
    let end = msg.length;
    while (end > 0 && (msg[end - 1] === CR || msg[end - 1] === LF || msg[end - 1] === NUL)) end--;
    if (end > 0) this.options.onMessage(msg.subarray(0, end));
  }

  private drain(): void {
    const max = this.options.maxMessageBytes;
    for (;;) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, this.buf.length);
        this.skip -= n;
        this.buf = this.buf.subarray(n);
        if (this.skip > 0) return;
      }
      if (this.discardToLf) {
        const i = this.buf.indexOf(LF);
        if (i < 0) {
          this.buf = Buffer.alloc(0);
          return;
        }
        this.buf = this.buf.subarray(i + 1);
        this.discardToLf = false;
      }
      // Leading trailers between frames (blank lines, CRLF leftovers) are ignored.
      let start = 0;
      while (start < this.buf.length && (this.buf[start] === LF || this.buf[start] === CR || this.buf[start] === NUL)) start++;
      if (start > 0) this.buf = this.buf.subarray(start);
      if (this.buf.length === 0) return;

      if (this.looksOctetCounted()) {
        let i = 1;
        while (i < this.buf.length && i < 11 && this.buf[i]! >= 0x30 && this.buf[i]! <= 0x39) i++;
        if (i === this.buf.length && i < 11) return; // need more digits or the space
        if (this.buf[i] === SP && i < 11) {
          const len = Number(this.buf.subarray(0, i).toString('latin1'));
          const body = this.buf.subarray(i + 1);
          if (len > max) {
            this.options.onReject('oversized', len);
            this.buf = body;
            this.skip = len;
            continue;
          }
          if (body.length < len) return; // wait for the rest
          this.emit(body.subarray(0, len));
          this.buf = body.subarray(len);
          continue;
        }
        // Digits not followed by a space: not a length; read as non-transparent.
      }
      let end = -1;
      for (let j = 0; j < this.buf.length && j <= max; j++) {
        const c = this.buf[j];
        if (c === LF || c === NUL) {
          end = j;
          break;
        }
      }
      if (end >= 0) {
        this.emit(this.buf.subarray(0, end));
        this.buf = this.buf.subarray(end + 1);
        continue;
      }
      if (this.buf.length > max) {
        // Too long without a trailer: drop what we hold and everything up to the next LF.
        this.options.onReject('oversized', this.buf.length);
        this.buf = this.buf.subarray(max + 1);
        this.discardToLf = true;
        continue;
      }
      return;
    }
  }
}
