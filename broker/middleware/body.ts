/**
 * JSON request bodies: bounded in size, parsed whatever the Content-Type (the spec lets a broker try when
 * it is missing), objects only. Failures reach the error middleware as body-parser errors, which it maps
 * to OSB bodies (400 malformed, 413 too large).
 */
import express, { type RequestHandler } from 'express';

/** OSB request bodies are a few kilobytes; parameters schemas are capped at 64 kB by the spec. */
export const MAX_BODY_BYTES = 256 * 1024;

export function jsonBody(limitBytes: number = MAX_BODY_BYTES): RequestHandler {
  return express.json({ limit: limitBytes, strict: true, type: () => true });
}
