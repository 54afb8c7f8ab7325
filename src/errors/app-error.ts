import { type MessageCode, messages } from './messages.ts';

/**
 * The one error type that carries a user-facing answer. `code` is a key of
 * the message catalogue; `expose` says whether the message may be shown (a
 * 500 never shows its cause). The HTTP error handler renders it as a page or
 * JSON by the request's Accept header.
 */
export class AppError extends Error {
  readonly code: MessageCode;
  readonly status: number;
  readonly expose: boolean;

  constructor(code: MessageCode, status = 400, options?: { cause?: unknown; expose?: boolean }) {
    super(messages[code], options);
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    this.expose = options?.expose ?? status < 500;
  }
}
