import type { NextFunction, Request, Response } from 'express';
import { errors, sendError } from './errors';

/**
 * A lean JSON body reader. express.json() costs more than the whole batch-update
 * handler at the emulator's target rate (≥ 500 batch requests/s), and the emulator
 * only ever receives UTF-8 JSON, so it reads, size-checks and parses, nothing else.
 */
export function jsonBody(limitBytes = 10 * 1024 * 1024) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.body !== undefined) return next();
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limitBytes) {
        failed = true;
        sendError(res, errors.validation(`Request body larger than ${limitBytes} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (failed) return;
      if (size === 0) {
        req.body = {};
        return next();
      }
      try {
        req.body = JSON.parse(Buffer.concat(chunks, size).toString('utf8'));
      } catch (err) {
        return sendError(res, errors.validation(`Invalid input JSON on line 1: ${(err as Error).message}`));
      }
      next();
    });
    req.on('error', next);
  };
}
